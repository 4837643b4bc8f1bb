"""Evaluation of the papers' tasks: human edge detection (BSDS protocol)."""
from . import functional, metrics  # noqa: F401
from .metrics import EdgeMetric

__all__ = ['EdgeMetric']

"""Evaluation of the papers' tasks: human edges (BSDS protocol), LIP PCKh."""
from . import functional, metrics  # noqa: F401
from .metrics import EdgeMetric, LIPPCKhMetric

__all__ = ['EdgeMetric', 'LIPPCKhMetric']

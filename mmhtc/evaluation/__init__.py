"""Evaluation of the papers' tasks: human parsing, human edges (BSDS protocol),
LIP PCKh."""
from . import functional, metrics  # noqa: F401
from .metrics import EdgeMetric, HumanParsingMetric, LIPPCKhMetric

__all__ = ['EdgeMetric', 'LIPPCKhMetric', 'HumanParsingMetric']

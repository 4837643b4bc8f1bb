"""Evaluation of the papers' tasks: human parsing, human edges (BSDS protocol), LIP and
MPII PCKh, multi-person pose AP."""
from . import functional, metrics  # noqa: F401
from .metrics import (EdgeMetric, HumanParsingMetric, LIPPCKhMetric, MPIIPCKhMetric,
                      PascalPersonPartAPMetric)

__all__ = [
    'EdgeMetric', 'LIPPCKhMetric', 'HumanParsingMetric', 'MPIIPCKhMetric',
    'PascalPersonPartAPMetric'
]

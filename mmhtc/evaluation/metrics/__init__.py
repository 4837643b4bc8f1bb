from .edge_metric import EdgeMetric
from .lip_pckh_metric import LIPPCKhMetric
from .parsing_metric import HumanParsingMetric

__all__ = ['EdgeMetric', 'LIPPCKhMetric', 'HumanParsingMetric']

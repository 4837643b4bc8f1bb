from .edge_metric import EdgeMetric
from .lip_pckh_metric import LIPPCKhMetric

__all__ = ['EdgeMetric', 'LIPPCKhMetric']

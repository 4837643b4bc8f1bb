from .edge_metric import EdgeMetric
from .lip_pckh_metric import LIPPCKhMetric
from .mpii_pckh_metric import MPIIPCKhMetric
from .parsing_metric import HumanParsingMetric
from .pascal_pose_ap_metric import PascalPersonPartAPMetric

__all__ = [
    'EdgeMetric', 'LIPPCKhMetric', 'HumanParsingMetric', 'MPIIPCKhMetric',
    'PascalPersonPartAPMetric'
]

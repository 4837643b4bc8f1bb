from .edge_loss import BalancedEdgeLoss
from .uncertainty_weighting import UncertaintyWeighting

__all__ = ['BalancedEdgeLoss', 'UncertaintyWeighting']

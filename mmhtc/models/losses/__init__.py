from .edge_loss import BalancedEdgeLoss

__all__ = ['BalancedEdgeLoss']

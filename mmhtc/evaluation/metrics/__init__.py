from .edge_metric import EdgeMetric

__all__ = ['EdgeMetric']

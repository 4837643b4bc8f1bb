"""Pieces shared by the models' heads and segmentors."""
from .heatmaps import heatmap_weights

__all__ = ['heatmap_weights']

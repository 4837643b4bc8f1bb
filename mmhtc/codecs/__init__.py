from .multi_person_heatmap import MultiPersonHeatmap

__all__ = ['MultiPersonHeatmap']

from .edge import (count_matches, edge_counts, edge_scores, edge_thresholds,
                   f_measure, match_radius, thin_edges)
from .pckh import LIP_MEAN_JOINTS, LIP_PARTS, lip_pckh

__all__ = [
    'count_matches', 'edge_counts', 'edge_scores', 'edge_thresholds',
    'f_measure', 'match_radius', 'thin_edges', 'lip_pckh', 'LIP_PARTS',
    'LIP_MEAN_JOINTS'
]

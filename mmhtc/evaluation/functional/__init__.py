from .edge import (count_matches, edge_counts, edge_scores, edge_thresholds,
                   f_measure, match_radius, thin_edges)

__all__ = [
    'count_matches', 'edge_counts', 'edge_scores', 'edge_thresholds',
    'f_measure', 'match_radius', 'thin_edges'
]

from .edge import (count_matches, edge_counts, edge_scores, edge_thresholds, f_measure,
                   match_radius, thin_edges)
from .joint_ap import LSP_PARTS, assign_persons, joint_ap, lsp_part_ap, voc_ap
from .oks_ap import NPPNET_SIGMAS, OKS_THRESHOLDS, oks_joint_ap
from .pckh import (LIP_MEAN_JOINTS, LIP_PARTS, LIP_PROTOCOLS, lip_pckh, mpii_head_size,
                   mpii_pckh, pckh)

__all__ = [
    'count_matches', 'edge_counts', 'edge_scores', 'edge_thresholds', 'f_measure',
    'match_radius', 'thin_edges', 'lip_pckh', 'LIP_PARTS', 'LIP_MEAN_JOINTS', 'pckh',
    'mpii_pckh', 'mpii_head_size', 'joint_ap', 'assign_persons', 'voc_ap',
    'lsp_part_ap', 'LSP_PARTS', 'LIP_PROTOCOLS', 'oks_joint_ap', 'OKS_THRESHOLDS',
    'NPPNET_SIGMAS'
]

"""PCKh as LIP scores it (JPPNet / NPPNet evaluation)."""
from typing import Dict

import numpy as np

#: LIP / MPII joint order: 0 r_ankle, 1 r_knee, 2 r_hip, 3 l_hip, 4 l_knee, 5 l_ankle,
#: 6 pelvis, 7 thorax, 8 upper neck, 9 head top, 10 r_wrist, 11 r_elbow,
#: 12 r_shoulder, 13 l_shoulder, 14 l_elbow, 15 l_wrist.
LIP_PARTS = dict(
    Head=(8, 9),
    Shoulder=(12, 13),
    Elbow=(11, 14),
    Wrist=(10, 15),
    Hip=(2, 3),
    Knee=(1, 4),
    Ankle=(0, 5))
#: The joints of the mean: pelvis (6) and thorax (7) are left out.
LIP_MEAN_JOINTS = (0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15)
HEAD_TOP, UPPER_NECK = 9, 8


def lip_pckh(pred: np.ndarray,
             gt: np.ndarray,
             visible: np.ndarray,
             thr: float = 0.5) -> Dict[str, float]:
    """PCKh@thr of single-person poses in LIP's joint order.

    A joint is correct when its prediction lies within ``thr`` times the head size
    of the ground truth, the head size being the distance between the head top
    (joint 9) and the upper neck (joint 8) of that person. Only annotated joints
    count; persons without both head joints annotated have no head size and are
    left out. Per-part scores pool the left and right joints; ``Mean`` pools joints
    0-5 and 8-15.

    Args:
        pred: Predicted keypoints (N, 16, 2).
        gt: Ground-truth keypoints (N, 16, 2).
        visible: Annotation mask (N, 16), nonzero = annotated.
        thr: The threshold as a fraction of the head size. Default: 0.5.

    Returns:
        Percentages per part ('Head', ..., 'Ankle') and 'Mean'; NaN for a part with
        no annotated joint.
    """
    visible = visible > 0
    head = np.linalg.norm(gt[:, HEAD_TOP] - gt[:, UPPER_NECK], axis=-1)
    keep = visible[:, HEAD_TOP] & visible[:, UPPER_NECK] & (head > 0)
    dist = np.linalg.norm(pred - gt, axis=-1)[keep] / head[keep, None]
    correct = dist <= thr
    counted = visible[keep]

    def score(joints) -> float:
        total = counted[:, joints].sum()
        hits = (correct[:, joints] & counted[:, joints]).sum()
        return float(100.0 * hits / total) if total else float('nan')

    scores = {part: score(list(joints)) for part, joints in LIP_PARTS.items()}
    scores['Mean'] = score(list(LIP_MEAN_JOINTS))
    return scores

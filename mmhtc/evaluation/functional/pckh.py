"""PCKh: LIP's (head size from two joints, JPPNet / NPPNet evaluation) and MPII's
(head size from the annotated head boxes).

Both count a joint at exactly the threshold as correct (``<=``), as their reference
code does, and compute in float64 with the references' arithmetic (distance /
head size), so that exact ties are decided as there.
"""
from typing import Dict, Mapping, Sequence

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
#: LIP scoring rules: plain PCKh, or NPPNet's ``utils/calc_pckh.py``, which sets
#: every negative predicted coordinate to 1 before scoring.
LIP_PROTOCOLS = ('pckh', 'nppnet')


def first_person(keypoints, num_joints: int) -> np.ndarray:
    """The first predicted person's (x, y), shape (num_joints, 2); all NaN (every joint
    a miss) when the sample has no predicted person."""
    keypoints = np.asarray(keypoints, dtype=np.float64)
    if keypoints.shape[0] == 0:
        return np.full((num_joints, 2), np.nan)
    return keypoints[0, :, :2]


def pckh(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray, head_size: np.ndarray,
         thr: float, parts: Mapping[str, Sequence[int]],
         mean_joints: Sequence[int]) -> Dict[str, float]:
    """PCKh@thr of single-person poses per part and over ``mean_joints``.

    A joint is correct when its prediction lies within ``thr * head_size`` of the
    ground truth: ``|pred - gt| / head_size <= thr``, in float64. Only annotated
    joints of persons with a positive head size count; a non-finite prediction
    is a miss. A part's score is the mean of its joints' PCKh, as MPII's
    evaluation script and mmpose tabulate it; ``Mean`` pools ``mean_joints``.

    Args:
        pred: Predicted keypoints (N, K, 2).
        gt: Ground-truth keypoints (N, K, 2), in the same pixel frame.
        visible: Annotation mask (N, K), nonzero = annotated.
        head_size: The persons' head sizes (N, ); persons with 0 are left out.
        thr: The threshold as a fraction of the head size.
        parts: Column name -> the joints it pools.
        mean_joints: The joints pooled by ``Mean``.

    Returns:
        Percentages per part and 'Mean'; NaN for a column without an annotated
        joint.
    """
    pred, gt, head_size = (
        np.asarray(a, dtype=np.float64) for a in (pred, gt, head_size))
    keep = head_size > 0
    dist = np.linalg.norm(gt - pred, axis=-1)[keep] / head_size[keep, None]
    counted = visible[keep] > 0
    correct = (dist <= thr) & counted

    def score(joints: Sequence[int]) -> float:
        total = counted[:, list(joints)].sum()
        hits = correct[:, list(joints)].sum()
        return float(100.0 * hits / total) if total else float('nan')

    def part_score(joints: Sequence[int]) -> float:
        return float(np.mean([score([j]) for j in joints]))

    scores = {part: part_score(joints) for part, joints in parts.items()}
    scores['Mean'] = score(mean_joints)
    return scores


def lip_pckh(pred: np.ndarray,
             gt: np.ndarray,
             visible: np.ndarray,
             thr: float = 0.5,
             protocol: str = 'pckh') -> Dict[str, float]:
    """PCKh@thr of single-person poses in LIP's joint order.

    A joint is correct when its prediction lies within ``thr`` times the head size
    of the ground truth (``<=``), the head size being the distance between the
    head top (joint 9) and the upper neck (joint 8) of that person. Only annotated
    joints count; persons without both head joints annotated have no head size
    and are left out. A part's score is the mean of its left and right joints'
    PCKh (the MPII convention); ``Mean`` pools joints 0-5 and 8-15.

    Args:
        pred: Predicted keypoints (N, 16, 2).
        gt: Ground-truth keypoints (N, 16, 2).
        visible: Annotation mask (N, 16), nonzero = annotated.
        thr: The threshold as a fraction of the head size. Default: 0.5.
        protocol: ``'pckh'`` scores the predictions as given; ``'nppnet'`` as
            NPPNet's ``utils/calc_pckh.py``, which replaces every negative
            predicted coordinate by 1 first (its CSV reader's
            ``data[data < 0] = 1``). Default: ``'pckh'``.

    Returns:
        Percentages per part ('Head', ..., 'Ankle') and 'Mean'; NaN for a part with
        no annotated joint.
    """
    if protocol not in LIP_PROTOCOLS:
        raise ValueError(f'lip_pckh: protocol {protocol!r} is not one of '
                         f'{LIP_PROTOCOLS}')
    pred, gt = (np.asarray(a, dtype=np.float64) for a in (pred, gt))
    if protocol == 'nppnet':
        pred = np.where(pred < 0, 1.0, pred)
    head = np.linalg.norm(gt[:, HEAD_TOP] - gt[:, UPPER_NECK], axis=-1)
    head = head * ((visible[:, HEAD_TOP] > 0) & (visible[:, UPPER_NECK] > 0))
    return pckh(pred, gt, visible, head, thr, LIP_PARTS, LIP_MEAN_JOINTS)


def mpii_head_size(head_boxes: np.ndarray) -> np.ndarray:
    """MPII's head size: 0.6 times the diagonal of the head box.

    Args:
        head_boxes: Head boxes (N, 4), ``x1, y1, x2, y2``.

    Returns:
        Head sizes (N, ).
    """
    return 0.6 * np.linalg.norm(head_boxes[:, 2:] - head_boxes[:, :2], axis=-1)


def mpii_pckh(
    pred: np.ndarray,
    gt: np.ndarray,
    visible: np.ndarray,
    head_size: np.ndarray,
    thr: float = 0.5,
    head_joints: Sequence[int] = (8, 9)) -> Dict[str, float]:
    """PCKh@thr of MPII poses, normalised by the annotated head boxes.

    As MPII's evaluation: a joint is correct when ``|pred - gt| <= thr *
    head_size``, the head size being 0.6 times the head box diagonal (see
    :func:`mpii_head_size`); predictions and ground truth in the same pixel frame.
    Columns as :data:`LIP_PARTS` (the joint order is MPII's), each the mean of its
    joints' PCKh, except that ``Head`` takes ``head_joints``: (8, 9), upper neck
    and head top, in MPII's official table; (9, ) in the validation script of
    Newell et al. / HRNet (whose numbers HTCorrM Tab. 5 compares with). ``Mean``
    pools joints 0-5 and 8-15 in both.

    Args:
        pred: Predicted keypoints (N, 16, 2).
        gt: Ground-truth keypoints (N, 16, 2).
        visible: Annotation mask (N, 16), nonzero = annotated.
        head_size: Head sizes (N, ).
        thr: The threshold as a fraction of the head size. Default: 0.5.
        head_joints: The joints of the ``Head`` column. Default: (8, 9).

    Returns:
        Percentages per part ('Head', ..., 'Ankle') and 'Mean'.
    """
    parts = dict(LIP_PARTS, Head=tuple(head_joints))
    return pckh(pred, gt, visible, head_size, thr, parts, LIP_MEAN_JOINTS)

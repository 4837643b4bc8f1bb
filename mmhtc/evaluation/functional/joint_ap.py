"""Per-joint average precision of multi-person poses (MPII multi-person protocol, as
DeepCut / DeeperCut and the PASCAL-Person-Part pose comparisons use it)."""
from typing import Dict, List, Sequence, Tuple

import numpy as np

#: PASCAL-Person-Part's 14 joints in LSP order: 0 r_ankle, 1 r_knee, 2 r_hip,
#: 3 l_hip, 4 l_knee, 5 l_ankle, 6 r_wrist, 7 r_elbow, 8 r_shoulder, 9 l_shoulder,
#: 10 l_elbow, 11 l_wrist, 12 neck, 13 head top.
LSP_PARTS = dict(
    Head=(12, 13),
    Shoulder=(8, 9),
    Elbow=(7, 10),
    Wrist=(6, 11),
    Hip=(2, 3),
    Knee=(1, 4),
    Ankle=(0, 5))
LSP_NECK, LSP_HEAD_TOP = 12, 13


def assign_persons(dist: np.ndarray, visible: np.ndarray,
                   thr: float) -> Tuple[np.ndarray, np.ndarray]:
    """Match the predicted persons of one image to its ground-truth persons.

    As MPII's ``assignGTmulti``: ``pck[p, g]`` is the fraction of the annotated
    joints of ground truth ``g`` that prediction ``p`` has within ``thr``; each
    prediction keeps only its best ground truth, then each ground truth takes the
    prediction with the highest remaining ``pck`` (ties: the first), if above 0.

    Args:
        dist: Normalised distances (P, G, K); ``inf`` where a joint is missing.
        visible: Annotated ground-truth joints (G, K), bool.
        thr: The distance threshold.

    Returns:
        ``match`` (P, G, K) bool, joint within ``thr``; ``pred_to_gt`` (P, ), the
        matched ground truth of each prediction or -1.
    """
    num_pred, num_gt = dist.shape[:2]
    match = dist <= thr
    pred_to_gt = np.full(num_pred, -1)
    if num_pred == 0 or num_gt == 0:
        return match, pred_to_gt
    pck = match.sum(axis=2) / np.maximum(visible.sum(axis=1), 1)[None]
    best = pck.argmax(axis=1)
    pck = np.where(np.arange(num_gt)[None] == best[:, None], pck, 0)
    winner = pck.argmax(axis=0)
    for g in np.flatnonzero(pck.max(axis=0) > 0):
        pred_to_gt[winner[g]] = g
    return match, pred_to_gt


def voc_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """Area under the precision envelope (VOC 2010+, MPII's ``VOCap``).

    Args:
        recall, precision: The PR curve (D, ) over detections sorted by score.

    Returns:
        The average precision in [0, 1].
    """
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    step = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
    return float(np.sum((mrec[step] - mrec[step - 1]) * mpre[step]))


def joint_ap(preds: Sequence[np.ndarray],
             scores: Sequence[np.ndarray],
             gts: Sequence[np.ndarray],
             visible: Sequence[np.ndarray],
             ref_dist: Sequence[np.ndarray],
             thr: float = 0.5) -> np.ndarray:
    """Average precision of each joint type over a set of multi-person images.

    MPII's multi-person evaluation (``evaluateAP``, used by DeepCut / DeeperCut):
    per image, predicted and ground-truth persons are matched
    (:func:`assign_persons`) with distances normalised by each ground-truth
    person's reference distance ``ref_dist``. A predicted joint is a true positive
    when its person is matched and it lies within ``thr`` of that person's
    joint; every other predicted joint is a false positive. Joints with a
    non-finite coordinate or score are not predictions (MPII's ``hasPr``): they
    are neither ranked nor matched. For each joint type the predictions of all
    images are ranked by score (ties: image order, then the image's list), and
    the AP is :func:`voc_ap` of the resulting PR curve, with recall over the
    annotated joints of that type in the images with at least one predicted
    person: MPII's ``assignGTmulti`` marks the annotated joints (``hasGT``)
    inside its loop over the predicted persons, so the ground truth of an image
    without predictions counts nowhere.

    Args:
        preds: Per image, predicted keypoints (P_i, K, 2).
        scores: Per image, keypoint scores (P_i, K).
        gts: Per image, ground-truth keypoints (G_i, K, 2).
        visible: Per image, annotation masks (G_i, K), nonzero = annotated.
        ref_dist: Per image, reference distances (G_i, ) > 0.
        thr: The threshold as a fraction of the reference distance. Default: 0.5.

    Returns:
        AP per joint type (K, ) in percent; NaN for a type never annotated in
        an image with a predicted person.
    """
    num_joints = gts[0].shape[1]
    all_scores: List[np.ndarray] = []
    all_labels: List[np.ndarray] = []
    all_predicted: List[np.ndarray] = []
    num_gt = np.zeros(num_joints)
    for pred, score, gt, vis, ref in zip(preds, scores, gts, visible, ref_dist):
        vis = vis > 0
        dist = np.linalg.norm(pred[:, None] - gt[None], axis=-1)
        predicted = np.isfinite(pred).all(axis=-1) & np.isfinite(score)
        dist = np.where(vis[None] & predicted[:, None], dist / ref[None, :, None],
                        np.inf)
        match, pred_to_gt = assign_persons(dist, vis, thr)
        labels = np.zeros(score.shape, dtype=bool)
        hit = pred_to_gt >= 0
        labels[hit] = match[np.flatnonzero(hit), pred_to_gt[hit]]
        all_scores.append(score)
        all_labels.append(labels)
        all_predicted.append(predicted)
        if len(pred):
            num_gt += vis.sum(axis=0)
    score = np.concatenate(all_scores).reshape(-1, num_joints)
    label = np.concatenate(all_labels).reshape(-1, num_joints)
    predicted = np.concatenate(all_predicted).reshape(-1, num_joints)
    aps = np.full(num_joints, np.nan)
    for j in np.flatnonzero(num_gt):
        rows = np.flatnonzero(predicted[:, j])
        order = rows[np.argsort(-score[rows, j], kind='stable')]
        tp = np.cumsum(label[order, j])
        precision = tp / np.arange(1, len(tp) + 1)
        aps[j] = 100.0 * voc_ap(tp / num_gt[j], precision)
    return aps


def lsp_part_ap(aps: np.ndarray) -> Dict[str, float]:
    """The table of NPPNet Tab. 4 from per-joint APs in LSP order.

    Args:
        aps: AP per joint (14, ).

    Returns:
        'Head', ..., 'Ankle' (means of the two joints) and 'mAP' (mean over the 14
        joints, as MPII's ``genTableAP``).
    """
    table = {part: float(np.mean(aps[list(j)])) for part, j in LSP_PARTS.items()}
    table['mAP'] = float(np.nanmean(aps))
    return table

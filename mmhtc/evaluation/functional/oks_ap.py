"""PASCAL-Person-Part pose as the NPPNet authors score it (their ``core/mAP.py``):

per-joint object keypoint similarity, each ground-truth person matched to its most
similar prediction, the fraction of correct joints averaged over ten thresholds.
"""
from typing import Sequence

import numpy as np

#: The thresholds of the release, 0.50:0.05:0.95 (as written there).
OKS_THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
#: The release's per-joint sigmas (head, neck, shoulders 0.1; elbows, wrists 0.08;
#: hips, knees, ankles 0.06; written there as tenths), in LSP order.
NPPNET_SIGMAS = np.array([.6, .6, .6, .6, .6, .6, .8, .8, 1., 1., .8, .8, 1., 1.]) / 10
#: The release's constant in the person-level similarity: ``exp(-d^2 / (2 *
#: 0.06 * area))`` for every joint (its per-joint sigmas are not used there).
PERSON_VARIANCE = 0.06


def _similarity(sq_dist: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """``exp(-d^2 / variance / 2)`` as the release computes it; 0 where the prediction
    is not finite."""
    with np.errstate(invalid='ignore'):
        sim = np.exp(-(sq_dist / variance / 2))
    return np.where(np.isfinite(sim), sim, 0.)


def oks_joint_ap(preds: Sequence[np.ndarray],
                 gts: Sequence[np.ndarray],
                 visible: Sequence[np.ndarray],
                 boxes: Sequence[np.ndarray],
                 thresholds: Sequence[float] = OKS_THRESHOLDS,
                 sigmas: np.ndarray = NPPNET_SIGMAS) -> np.ndarray:
    """Per-joint accuracy of multi-person poses, the NPPNet release's "AP".

    For each image and each ground-truth person ``g`` with box area ``A`` (of its
    annotated box, plus ``np.spacing(1)``):

    1. the person similarity to each prediction ``p`` is the mean over ``g``'s
       annotated joints of ``exp(-d^2 / (0.06 A) / 2)``, summed in joint order;
    2. ``g`` takes the prediction of highest similarity (ties: the first), also
       when another person took it too (no one-to-one matching);
    3. at threshold ``T`` an annotated joint ``k`` of ``g`` is correct when the
       person similarity is ``>= T`` and ``exp(-d_k^2 / (A sigma_k^2) / 2) >= T``.

    A joint type's value at ``T`` is its correct joints over its annotated joints
    in all counted images; the result averages it over ``thresholds``. Images
    without a predicted person are not counted at all: the release's ``argmax``
    over no predictions raises and its loop skips the image. Scores play no
    part. A non-finite predicted joint has similarity 0.

    Args:
        preds: Per image, predicted keypoints (P_i, K, 2).
        gts: Per image, ground-truth keypoints (G_i, K, 2).
        visible: Per image, annotation masks (G_i, K), nonzero = annotated.
        boxes: Per image, ground-truth person boxes (G_i, 4), ``x1, y1, x2, y2``.
        thresholds: The similarity thresholds. Default: 0.50:0.05:0.95.
        sigmas: Per-joint sigmas (K, ). Default: the release's, LSP order.

    Returns:
        The value per joint type (K, ) in percent; NaN for a type never
        annotated in a counted image.
    """
    thresholds = np.asarray(thresholds, dtype=np.float64)
    num_joints = len(sigmas)
    correct = np.zeros((len(thresholds), num_joints))
    counts = np.zeros(num_joints)
    for pred, gt, vis, box in zip(preds, gts, visible, boxes):
        vis = np.asarray(vis).reshape(len(gt), num_joints) > 0
        if len(pred) == 0 or not vis.any():
            continue
        pred, gt, box = (np.asarray(a, dtype=np.float64) for a in (pred, gt, box))
        area = (box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1]) + np.spacing(1)
        delta = gt[:, None] - pred[None]
        sq_dist = delta[..., 0]**2 + delta[..., 1]**2  # (G, P, K)
        person = _similarity(sq_dist, PERSON_VARIANCE * area[:, None, None])
        person = np.where(vis[:, None], person, 0.)
        with np.errstate(invalid='ignore'):
            oks = np.cumsum(person, axis=-1)[..., -1] / vis.sum(axis=1)[:, None]
        best = oks.argmax(axis=1)
        rows = np.arange(len(gt))
        joint = _similarity(sq_dist[rows, best],
                            area[:, None] * sigmas[None]**2)  # (G, K)
        person_ok = oks[rows, best][None, :, None] >= thresholds[:, None, None]
        hits = person_ok & (joint[None] >= thresholds[:, None, None]) & vis[None]
        correct += hits.sum(axis=1)
        counts += vis.sum(axis=0)
    with np.errstate(invalid='ignore', divide='ignore'):
        return 100.0 * (correct / counts).mean(axis=0)

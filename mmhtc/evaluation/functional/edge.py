"""Edge detection evaluation with the BSDS boundary benchmark protocol.

Re-implementation of the BSDS500 benchmark (``evaluation_bdry_image.m`` and
``collect_eval_bdry.m``) for one ground truth per image, with numpy, scipy and
scikit-image only:

* :func:`edge_counts` gives, per image and threshold, the four BSDS counts
  ``(cntR, sumR, cntP, sumP)``: matched ground-truth edge pixels, ground-truth
  edge pixels, matched predicted edge pixels and predicted edge pixels.
* :func:`edge_scores` turns the counts of a dataset into ODS, OIS and AP.

Matching and thinning live in :mod:`.edge_matching` (an exact maximum
matching, as a maximum flow) and :mod:`.edge_thinning` (scikit-image's thinning,
restricted to the pixels that can change). BSDS's solver connects the outlier
nodes of its graph sparsely and at random, so it can miss the optimum by a few
pairs; the counts here are the exact optimum and are deterministic.
"""
from typing import Dict, Sequence, Union

import numpy as np

from .edge_matching import NeighbourLists, count_matches, match_radius
from .edge_thinning import thin_edges

__all__ = [
    'count_matches', 'edge_counts', 'edge_scores', 'edge_thresholds', 'f_measure',
    'match_radius', 'thin_edges'
]

Thresholds = Union[int, Sequence[float], np.ndarray]

#: Steps of the linear interpolation between consecutive thresholds that ODS
#: searches (``d = 0, 0.01, ..., 1`` as pyEdgeEval; BSDS's MATLAB uses 100).
ODS_INTERP_STEPS = 101
#: Recall levels at which AP samples the precision-recall curve.
AP_RECALL_LEVELS = np.linspace(0., 1., 101)


def edge_thresholds(thresholds: Thresholds = 99) -> np.ndarray:
    """The thresholds applied to the predicted edge probabilities.

    Args:
        thresholds: An int N for BSDS's N thresholds
            ``linspace(1 / (N + 1), 1 - 1 / (N + 1), N)``, or the thresholds.

    Returns:
        np.ndarray: The thresholds, shape (T, ), float64.
    """
    if isinstance(thresholds, (int, np.integer)):
        if thresholds < 1:
            raise ValueError(f'need at least one threshold, got {thresholds}')
        step = 1. / (thresholds + 1)
        return np.linspace(step, 1. - step, thresholds)
    values = np.asarray(thresholds, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError('thresholds must be an int or a non-empty 1-D array, '
                         f'got shape {values.shape}')
    return values


def edge_counts(pred: np.ndarray,
                gt: np.ndarray,
                thresholds: Thresholds = 99,
                max_dist: float = 0.0075,
                thin: bool = True,
                ignore_index: int = 255,
                thin_gt: bool = True) -> np.ndarray:
    """BSDS counts of one image at every threshold.

    The GT edges are thinned with :func:`thin_edges` first when ``thin_gt``:
    edges made from parsing labels (mmseg's ``GenerateEdge``) mark both sides of
    every class boundary, two pixels wide, while BSDS's hand-drawn boundaries
    are one pixel wide; without thinning, a thinned prediction could match at
    most about half of the GT pixels and even the GT itself would score an F of
    about 0.6.

    For each threshold ``t``: the predicted edges are ``pred >= t``, thinned
    with :func:`thin_edges` when ``thin``; predicted pixels on ignored GT
    pixels are then dropped. The remaining predicted edge pixels are matched
    one-to-one to the GT edge pixels within :func:`match_radius` by
    :func:`count_matches`. The pairs within the radius are found once, for the
    pixels predicted at the lowest threshold (the maps of all thresholds are
    subsets of them), and gathered per threshold.

    Ignored pixels (``gt == ignore_index``) are neither GT edges nor counted
    predictions: they enter none of the four counts and cannot be matched.
    Every other non-zero GT pixel is an edge.

    Args:
        pred: Edge probabilities in [0, 1], shape (H, W).
        gt: Ground-truth edges, shape (H, W): 0 background, non-zero edge,
            ``ignore_index`` ignored.
        thresholds: See :func:`edge_thresholds`.
        max_dist: The matching tolerance as a fraction of the image diagonal.
        thin: Whether to thin the binarised predictions.
        ignore_index: The GT value of ignored pixels.
        thin_gt: Whether to thin the GT edges.

    Returns:
        np.ndarray: Counts of shape (T, 4), int64, columns: matched GT edge
        pixels, GT edge pixels, matched predicted edge pixels, predicted edge
        pixels. Recall is ``col0 / col1``, precision ``col2 / col3``.
    """
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt)
    if pred.ndim != 2 or pred.shape != gt.shape:
        raise ValueError('pred and gt must be 2-D maps of the same shape, got '
                         f'{pred.shape} and {gt.shape}')
    if not np.isfinite(pred).all():
        raise ValueError('pred has NaN or infinite values')
    thresholds = edge_thresholds(thresholds)
    kept = gt != ignore_index
    gt_edges = kept & (gt != 0)
    if thin_gt:
        gt_edges = thin_edges(gt_edges)
    num_gt = int(np.count_nonzero(gt_edges))
    # every predicted pixel at any threshold is one of these candidates
    candidates = (pred >= thresholds.min()) & kept
    candidate_index = np.cumsum(candidates, axis=None).reshape(pred.shape) - 1
    neighbours = NeighbourLists(
        np.argwhere(candidates), np.argwhere(gt_edges),
        match_radius(pred.shape, max_dist))

    # Equal numbers of pixels above two thresholds mean equal binary maps.
    values = np.sort(pred, axis=None)
    num_above = values.size - np.searchsorted(values, thresholds, side='left')
    _, first, inverse = np.unique(num_above, return_index=True, return_inverse=True)

    counts = np.zeros((len(first), 4), dtype=np.int64)
    counts[:, 1] = num_gt
    for row, threshold in enumerate(thresholds[first]):
        edges = pred >= threshold
        if thin:
            edges = thin_edges(edges)
        predicted = candidate_index[edges & kept]
        matched = count_matches(*neighbours.pairs_of(predicted), len(predicted), num_gt)
        counts[row, [0, 2, 3]] = matched, matched, len(predicted)
    return counts[inverse.reshape(-1)]


def _precision_recall(counts: np.ndarray) -> np.ndarray:
    """Recall and precision of counts (..., 4), 0 where undefined.

    Returns:
        np.ndarray: Shape (..., 2): recall, precision.
    """
    counts = np.asarray(counts, dtype=np.float64)
    hits, totals = counts[..., [0, 2]], counts[..., [1, 3]]
    return hits / np.where(totals == 0, 1., totals)


def f_measure(recall: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """F1 score ``2 P R / (P + R)``, 0 where ``P + R == 0``."""
    total = recall + precision
    return 2. * recall * precision / np.where(total == 0, 1., total)


def _interpolated_max_f(thresholds: np.ndarray, recall: np.ndarray,
                        precision: np.ndarray) -> Dict[str, float]:
    """BSDS's ``maxF``: best F on the PR curve interpolated linearly.

    Candidates are the first threshold and, between each pair of consecutive
    thresholds ``i - 1, i``, the points ``x[i] * d + x[i - 1] * (1 - d)``
    (for x in thresholds, recall, precision) with ``d`` on
    :data:`ODS_INTERP_STEPS` steps of [0, 1]. Ties keep the first candidate.

    Args:
        thresholds, recall, precision: Shape (T, ).

    Returns:
        dict: ``threshold``, ``recall``, ``precision`` and ``f`` of the best.
    """
    weights = np.linspace(0., 1., ODS_INTERP_STEPS)[None]
    curves = []
    for values in (thresholds, recall, precision):
        start, end = values[:-1, None], values[1:, None]
        between = end * weights + start * (1 - weights)
        curves.append(np.concatenate([values[:1], between.reshape(-1)]))
    scores = f_measure(curves[1], curves[2])
    best = int(np.argmax(scores))
    return dict(
        threshold=float(curves[0][best]),
        recall=float(curves[1][best]),
        precision=float(curves[2][best]),
        f=float(scores[best]))


def _area_under_pr(recall: np.ndarray, precision: np.ndarray) -> float:
    """BSDS's ``Area_PR`` (reported as AP).

    The curve through the points of distinct recall (for a repeated recall,
    the point of the lowest threshold), interpolated linearly at the recall
    levels :data:`AP_RECALL_LEVELS` ``0, 0.01, ..., 1`` and taken as 0
    outside its recall range, summed and multiplied by 0.01. 0 when the
    curve has fewer than two distinct recalls.
    """
    recall_unique, index = np.unique(recall, return_index=True)
    if recall_unique.size < 2:
        return 0.
    sampled = np.interp(
        AP_RECALL_LEVELS, recall_unique, precision[index], left=0., right=0.)
    return float(sampled.sum() * 0.01)


def edge_scores(counts: Union[np.ndarray, Sequence[np.ndarray]],
                thresholds: Thresholds = 99) -> Dict[str, float]:
    """ODS, OIS and AP of a dataset from the counts of its images.

    With recall ``R = cntR / sumR`` and precision ``P = cntP / sumP`` (0 when
    the denominator is 0) and ``F = 2 P R / (P + R)``:

    * ODS (optimal dataset scale): the counts are summed over the images at
      each threshold; ODS is the best F of that dataset PR curve, interpolated
      between consecutive thresholds as BSDS's ``maxF``
      (:func:`_interpolated_max_f`).
    * OIS (optimal image scale): each image takes its own best threshold (the
      first of the thresholds with the highest F of the image, without
      interpolation); the counts at those thresholds are summed over the
      images and OIS is their F.
    * AP: BSDS's area under the dataset PR curve, ``Area_PR``
      (:func:`_area_under_pr`; pyEdgeEval's ``AUC``, not its ``AP``). It is 0
      when the dataset recall takes a single value, e.g. for binary
      predictions.

    Args:
        counts: Per-image counts from :func:`edge_counts`, shape (N, T, 4)
            or N arrays of shape (T, 4).
        thresholds: The thresholds the counts were taken at, see
            :func:`edge_thresholds`.

    Returns:
        dict: ``ODS``, ``OIS``, ``AP`` as fractions in [0, 1], and
        ``ODS_threshold``, ``ODS_recall``, ``ODS_precision``,
        ``OIS_recall``, ``OIS_precision``.
    """
    counts = np.asarray(counts, dtype=np.int64)
    thresholds = edge_thresholds(thresholds)
    if counts.ndim != 3 or counts.shape[1:] != (len(thresholds), 4):
        raise ValueError(f'counts must have shape (N, {len(thresholds)}, 4), '
                         f'got {counts.shape}')
    if counts.shape[0] == 0:
        raise ValueError('no image to score')

    dataset_recall, dataset_precision = _precision_recall(counts.sum(axis=0)).T
    ods = _interpolated_max_f(thresholds, dataset_recall, dataset_precision)

    image_recall, image_precision = np.moveaxis(_precision_recall(counts), -1, 0)
    best = np.argmax(f_measure(image_recall, image_precision), axis=1)
    best_counts = counts[np.arange(len(counts)), best].sum(axis=0)
    ois_recall, ois_precision = _precision_recall(best_counts)

    return dict(
        ODS=ods['f'],
        OIS=float(f_measure(ois_recall, ois_precision)),
        AP=_area_under_pr(dataset_recall, dataset_precision),
        ODS_threshold=ods['threshold'],
        ODS_recall=ods['recall'],
        ODS_precision=ods['precision'],
        OIS_recall=float(ois_recall),
        OIS_precision=float(ois_precision))

"""Edge evaluation (BSDS protocol): hand-computed cases, pyEdgeEval cross-check and the
EdgeMetric end to end."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmseg.datasets.transforms import GenerateEdge
from skimage.morphology import thin as skimage_thin

from mmhtc.evaluation import EdgeMetric
from mmhtc.evaluation.functional import (count_matches, edge_counts, edge_scores,
                                         edge_thresholds, match_radius, thin_edges)
from mmhtc.evaluation.functional.edge_matching import NeighbourLists
from mmhtc.registry import POSE_METRICS, SEG_METRICS

pytestmark = pytest.mark.filterwarnings(
    'ignore:Please import `distance_transform_edt`:DeprecationWarning')

# 100 x 100 images: radius sqrt(floor((0.0075 * 141.4)**2)) = 1 pixel.
SIZE = 100


def vertical_line(column: int, rows: slice = slice(20, 80)) -> np.ndarray:
    """A 1-px vertical edge line in a SIZE x SIZE map, uint8."""
    edges = np.zeros((SIZE, SIZE), dtype=np.uint8)
    edges[rows, column] = 1
    return edges


def scores_of(pred: np.ndarray, gt: np.ndarray) -> dict:
    """Scores of one image at BSDS's 99 thresholds."""
    return edge_scores([edge_counts(pred, gt)])


def test_thresholds_follow_bsds():
    thresholds = edge_thresholds(99)
    assert thresholds.shape == (99, )
    np.testing.assert_allclose(thresholds[[0, 49, -1]], [0.01, 0.5, 0.99])
    np.testing.assert_array_equal(edge_thresholds([0.3, 0.7]), [0.3, 0.7])
    with pytest.raises(ValueError):
        edge_thresholds(0)


def test_match_radius_is_the_integer_offset_test():
    assert match_radius((SIZE, SIZE)) == pytest.approx(1.0)
    # 200 x 200: (0.0075 * 282.8)**2 = 4.5, offsets with u^2 + v^2 <= 4.
    assert match_radius((200, 200)) == pytest.approx(2.0)


def test_identical_maps_score_one():
    gt = vertical_line(10) | vertical_line(60, slice(5, 95))
    scores = scores_of(gt.astype(np.float64), gt)
    assert scores['ODS'] == pytest.approx(1.)
    assert scores['OIS'] == pytest.approx(1.)


def test_empty_prediction_scores_zero():
    scores = scores_of(np.zeros((SIZE, SIZE)), vertical_line(10))
    assert scores['ODS'] == scores['OIS'] == scores['AP'] == 0.


@pytest.mark.parametrize('shift, matched', [(1, 60), (2, 0)])
def test_shift_within_and_beyond_tolerance(shift, matched):
    counts = edge_counts(
        vertical_line(10 + shift).astype(np.float64),
        vertical_line(10),
        thresholds=[0.5])
    np.testing.assert_array_equal(counts, [[matched, 60, matched, 60]])


def test_diagonal_offset_beyond_integer_radius():
    gt = np.zeros((200, 200), dtype=np.uint8)
    pred = np.zeros((200, 200))
    gt[100, 100] = gt[50, 50] = 1
    pred[102, 100] = 1  # distance 2: matched
    pred[52, 51] = 1  # distance sqrt(5) > sqrt(4.5): not matched
    counts = edge_counts(pred, gt, thresholds=[0.5], thin=False)
    np.testing.assert_array_equal(counts, [[1, 2, 1, 2]])


@pytest.mark.parametrize(
    'thin, expected',
    [
        # 120 predicted pixels, each GT pixel matched once: P = 0.5, R = 1.
        (False, [60, 60, 60, 120]),
        # Thinned to column 10, rows 21-79 (59 px), all within 1 px of the
        # GT: P = 1, R = 59 / 60.
        (True, [59, 60, 59, 59]),
    ])
def test_thick_prediction_with_and_without_thinning(thin, expected):
    pred = (vertical_line(10) | vertical_line(11)).astype(np.float64)
    counts = edge_counts(pred, vertical_line(10), thresholds=[0.5], thin=thin)
    np.testing.assert_array_equal(counts, [expected])


def test_matching_is_one_to_one():
    gt = np.zeros((SIZE, SIZE), dtype=np.uint8)
    gt[50, 50] = 1
    pred = np.zeros((SIZE, SIZE))
    pred[50, 50] = pred[50, 51] = 1
    counts = edge_counts(pred, gt, thresholds=[0.5], thin=False)
    np.testing.assert_array_equal(counts, [[1, 1, 1, 2]])


def test_matching_is_maximum_not_greedy():
    # Pred (50, 51) is 1 px from both GT pixels; pred (50, 49) only from
    # (50, 50). Only (51 -> 52, 49 -> 50) matches both.
    gt = np.zeros((SIZE, SIZE), dtype=np.uint8)
    gt[50, [50, 52]] = 1
    pred = np.zeros((SIZE, SIZE))
    pred[50, [49, 51]] = 1
    counts = edge_counts(pred, gt, thresholds=[0.5], thin=False)
    np.testing.assert_array_equal(counts, [[2, 2, 2, 2]])


def test_ignored_pixels_are_not_counted():
    # The ignored band is no GT edge, and the predicted line inside it is
    # neither a false positive nor counted.
    gt = vertical_line(10)
    gt[:, 40:60] = 255
    pred = vertical_line(10) | vertical_line(50, slice(0, SIZE))
    counts = edge_counts(pred.astype(np.float64), gt, thresholds=[0.5])
    np.testing.assert_array_equal(counts, [[60, 60, 60, 60]])


def test_equal_binary_maps_share_counts():
    rng = np.random.default_rng(0)
    pred = np.round(rng.random((60, 80)), 1)
    gt = (rng.random((60, 80)) < 0.1).astype(np.uint8)
    thresholds = edge_thresholds(19)
    expected = np.concatenate(
        [edge_counts(pred, gt, thresholds=[t]) for t in thresholds])
    np.testing.assert_array_equal(
        edge_counts(pred, gt, thresholds=thresholds), expected)


def naive_maximum_matching(pairs: list, num_pred: int) -> int:
    """Kuhn's augmenting paths, one search from every predicted pixel."""
    neighbours = [[] for _ in range(num_pred)]
    for pred, gt in pairs:
        neighbours[pred].append(gt)
    owner = {}

    def augment(pred: int, seen: set) -> bool:
        for gt in neighbours[pred]:
            if gt not in seen:
                seen.add(gt)
                if gt not in owner or augment(owner[gt], seen):
                    owner[gt] = pred
                    return True
        return False

    return sum(augment(pred, set()) for pred in range(num_pred))


def test_count_matches_is_a_maximum_matching():
    rng = np.random.default_rng(0)
    for _ in range(200):
        num_pred, num_gt = rng.integers(1, 16, size=2)
        allowed = rng.random((num_pred, num_gt)) < rng.uniform(0.05, 0.5)
        pred_index, gt_index = np.nonzero(allowed)
        expected = naive_maximum_matching(list(zip(pred_index, gt_index)), num_pred)
        assert count_matches(
            pred_index.astype(np.int32), gt_index.astype(np.int32), num_pred,
            num_gt) == expected


def test_neighbour_lists_hold_the_pairs_within_the_radius():
    rng = np.random.default_rng(0)
    candidates = rng.integers(0, 30, size=(80, 2))
    gt_yx = rng.integers(0, 30, size=(40, 2))
    radius = match_radius((300, 400))  # sqrt(floor(3.75**2)) = sqrt(14)
    subset = np.sort(rng.choice(80, size=30, replace=False))
    owner, gt_index = NeighbourLists(candidates, gt_yx, radius).pairs_of(subset)
    squared = ((candidates[subset, None] - gt_yx[None])**2).sum(axis=-1)
    expected = sorted(zip(*np.nonzero(squared <= 14)))
    assert sorted(zip(owner, gt_index)) == expected


@pytest.mark.parametrize('density', [0.1, 0.5, 0.9])
def test_thinning_equals_scikit_image(density):
    rng = np.random.default_rng(0)
    noise = rng.random((60, 70)) < density
    blobs = cv2.GaussianBlur(rng.random((60, 70)), (0, 0), 3) > 0.5
    for edges in (noise, blobs, noise & blobs):
        np.testing.assert_array_equal(thin_edges(edges), skimage_thin(edges))


def test_counts_equal_a_naive_evaluation():
    """Against skimage's thinning, brute-force pairs and Kuhn's matching on blurred
    edges with scattered false positives, at 9 thresholds."""
    rng = np.random.default_rng(0)
    gt = (rng.random((50, 60)) < 0.02).astype(np.uint8)
    gt[10:40, [15, 35]] = 1
    gt[:5] = 255
    pred = np.clip(
        cv2.GaussianBlur(gt.astype(np.float64), (0, 0), 1.5) * 3 +
        0.5 * rng.random(gt.shape) * (rng.random(gt.shape) < 0.1), 0, 1)
    thresholds = edge_thresholds(9)
    kept = gt != 255
    gt_yx = np.argwhere(skimage_thin(kept & (gt != 0)))
    squared_radius = np.floor((0.0075 * np.hypot(50, 60) * 4)**2)
    expected = []
    for threshold in thresholds:
        pred_yx = np.argwhere(skimage_thin(pred >= threshold) & kept)
        squared = ((pred_yx[:, None] - gt_yx[None])**2).sum(axis=-1)
        matched = naive_maximum_matching(
            list(zip(*np.nonzero(squared <= squared_radius))), len(pred_yx))
        expected.append([matched, len(gt_yx), matched, len(pred_yx)])
    counts = edge_counts(pred, gt, thresholds=thresholds, max_dist=0.03)
    np.testing.assert_array_equal(counts, expected)


def test_scores_by_hand():
    # Two thresholds. Image 1 is best at t0 (F = 1), image 2 at t1 (F = 2/3).
    counts = np.array([[[4, 4, 4, 4], [2, 4, 2, 2]], [[0, 2, 0, 6], [1, 2, 1, 1]]])
    scores = edge_scores(counts, thresholds=[0.25, 0.75])
    assert scores['OIS'] == pytest.approx(2 * 5 / 6 * 1 / (5 / 6 + 1))
    # Dataset: t0 R = 4 / 6, P = 4 / 10; t1 R = 3 / 6, P = 3 / 3. ODS is the
    # best F on the segment between them, sampled at d = 0, 0.01, ..., 1.
    d = np.linspace(0, 1, 101)
    recall, precision = 4 / 6 - d / 6, 0.4 + 0.6 * d
    f = 2 * recall * precision / (recall + precision)
    assert f.max() > 2 * 0.5 / 1.5
    assert scores['ODS'] == pytest.approx(f.max())
    assert scores['ODS_threshold'] == pytest.approx(0.25 + 0.5 * d[f.argmax()])
    recall = np.linspace(0, 1, 101)
    precision = (4 / 10 + (3 / 3 - 4 / 10) * (4 / 6 - recall) /
                 (1 / 6)) * ((recall >= 3 / 6 - 1e-12) & (recall <= 4 / 6 + 1e-12))
    assert scores['AP'] == pytest.approx(precision.sum() * 0.01)


def test_scores_reject_bad_shapes():
    with pytest.raises(ValueError):
        edge_scores(np.zeros((2, 5, 4)), thresholds=99)


# --------------------------------------------------------------- pyEdgeEval
SHARED = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), '..', 'shared', 'data')
LABELS = ('cihp/instance-level_human_parsing/Training/Category_ids/*.png',
          'lip/TrainVal_parsing_annotations/*/*.png')
# pyEdgeEval's matcher takes about 1 s per threshold on a full-size map, so
# the cross-check runs on half-size labels at 9 thresholds.
CROSS_CHECK_SCALE = 0.5
CROSS_CHECK_THRESHOLDS = 9


def real_edge_maps(scale: float) -> list:
    """(pred, gt) pairs from the real parsing labels of ../shared/data.

    GT: mmseg's GenerateEdge(edge_width=1) of the label resized by ``scale``.
    Pred: the GT blurred, scaled by a random gain, plus scattered false
    positives, with a fixed seed.
    """
    paths = sorted(
        path for pattern in LABELS for path in glob.glob(osp.join(SHARED, pattern)))
    if not paths:
        pytest.skip(f'no parsing labels under {SHARED}')
    rng = np.random.default_rng(0)
    pairs = []
    for path in paths:
        label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        label = cv2.resize(
            label, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
        gt = GenerateEdge(edge_width=1).transform(
            dict(img_shape=label.shape, gt_seg_map=label))['gt_edge_map']
        soft = cv2.GaussianBlur(gt.astype(np.float32), (0, 0), 1.5)
        soft *= rng.uniform(0.6, 1.0) / max(float(soft.max()), 1e-6)
        false_pos = rng.random(gt.shape) * (rng.random(gt.shape) < 0.05)
        pred = np.clip(soft + 0.6 * false_pos, 0, 1).astype(np.float64)
        pairs.append((pred, gt))
    return pairs


@pytest.fixture(scope='module')
def cross_check():
    """Counts of ours and pyEdgeEval's on the same real-label edge maps; pyEdgeEval gets
    the thinned GT, which ours thins itself."""
    pytest.importorskip('pyEdgeEval')
    from pyEdgeEval.common.binary_label.evaluate_boundaries import \
        evaluate_boundaries_threshold
    thresholds = edge_thresholds(CROSS_CHECK_THRESHOLDS)
    ours, theirs = [], []
    for pred, gt in real_edge_maps(CROSS_CHECK_SCALE):
        ours.append(edge_counts(pred, gt, thresholds=thresholds))
        theirs.append(
            np.stack(
                evaluate_boundaries_threshold(thresholds, pred, thin_edges(gt != 0)),
                axis=-1))
    return thresholds, np.stack(ours), np.stack(theirs)


def test_label_edges_scored_against_themselves_score_one():
    """Edges made from a real parsing label are two pixels wide; with the GT thinned,
    the GT as prediction is perfect, without it F is about 0.6."""
    _, gt = real_edge_maps(1.0)[0]
    pred = gt.astype(np.float64)
    scores = edge_scores([edge_counts(pred, gt, thresholds=[0.5])], [0.5])
    assert scores['ODS'] == scores['OIS'] == 1.0
    thick = edge_scores([edge_counts(pred, gt, thresholds=[0.5], thin_gt=False)], [0.5])
    assert thick['ODS'] < 0.7


def pyedgeeval_scores(counts: np.ndarray, thresholds: np.ndarray) -> dict:
    """PyEdgeEval's ODS / OIS / AUC (BSDS's Area_PR) of the counts."""
    from pyEdgeEval.common.binary_label.calculate_metrics import calculate_metrics
    samples = [dict(name=str(i), counts=c) for i, c in enumerate(counts)]
    _, _, overall = calculate_metrics(
        lambda sample: tuple(sample['counts'].T), list(thresholds), samples, nproc=1)
    return dict(ODS=overall['ODS_f1'], OIS=overall['OIS_f1'], AP=overall['AUC'])


def test_counts_agree_with_pyedgeeval(cross_check):
    _, ours, theirs = cross_check
    np.testing.assert_array_equal(ours[..., 1], theirs[..., 1])
    # Tiny differences: skimage's thinning vs pyEdgeEval's port of bwmorph,
    # and BSDS's approximate assignment vs the exact maximum matching.
    assert np.abs(ours - theirs).max() <= 0.01 * theirs[..., 1].max()


def test_scores_agree_with_pyedgeeval(cross_check):
    thresholds, ours, theirs = cross_check
    expected = pyedgeeval_scores(theirs, thresholds)
    scores = edge_scores(ours, thresholds)
    for key in ('ODS', 'OIS', 'AP'):
        assert abs(scores[key] - expected[key]) <= 0.005, key


def test_score_formulas_match_pyedgeeval_exactly():
    pytest.importorskip('pyEdgeEval')
    rng = np.random.default_rng(1)
    totals = rng.integers(50, 500, size=(6, 1, 2))
    fractions = np.sort(rng.random((6, 99, 2)), axis=1)
    sums = np.broadcast_to(totals, (6, 99, 2)).copy()
    sums[..., 1] = (sums[..., 1] * fractions[..., 1][:, ::-1] * 3).astype(int)
    hits = (np.minimum(sums[..., 0], sums[..., 1]) *
            fractions[..., 0][:, ::-1]).astype(int)
    counts = np.stack([hits, sums[..., 0], hits, sums[..., 1]], axis=-1)
    thresholds = edge_thresholds(99)
    expected = pyedgeeval_scores(counts, thresholds)
    scores = edge_scores(counts, thresholds)
    for key in ('ODS', 'OIS', 'AP'):
        assert scores[key] == pytest.approx(expected[key], abs=1e-12), key


# ------------------------------------------------------------------ metric
def data_sample(pred: np.ndarray, gt: np.ndarray, name: str) -> dict:
    return dict(
        img_path=name,
        pred_edge_map=dict(data=torch.from_numpy(pred).float()[None]),
        gt_edge_map=dict(data=torch.from_numpy(gt).long()[None]))


def test_metric_registered_in_both_scopes():
    assert SEG_METRICS.get('EdgeMetric') is EdgeMetric
    assert POSE_METRICS.get('EdgeMetric') is EdgeMetric


def test_metric_end_to_end():
    gt = vertical_line(10)
    perfect = data_sample(gt.astype(np.float64), gt, 'a.jpg')
    half = data_sample((vertical_line(10) | vertical_line(11)) * 0.8, gt, 'b.jpg')
    metric = EdgeMetric(thresholds=9, thin=False)
    metric.process({}, [perfect, half])
    assert len(metric.results) == 2
    assert metric.results[0].shape == (9, 4)
    results = metric.evaluate(2)
    assert set(results) == {'ODS', 'OIS', 'AP'}
    # OIS: both images at t = 0.1, 60 + 60 of 120 GT pixels matched, 60 + 60
    # of 180 predictions: R = 1, P = 2 / 3, F = 0.8. ODS: the same at
    # t <= 0.8, R = 0.5, P = 1 at t = 0.9, best F on the segment between.
    assert results['OIS'] == pytest.approx(80., abs=0.005)
    d = np.linspace(0, 1, 101)
    recall, precision = 1 - d / 2, 2 / 3 + d / 3
    best_f = (2 * recall * precision / (recall + precision)).max()
    assert results['ODS'] == pytest.approx(100 * best_f, abs=0.005)


def test_metric_size_mismatch_names_the_image():
    sample = data_sample(np.zeros((SIZE, SIZE + 2)), vertical_line(10), 'x.jpg')
    with pytest.raises(ValueError, match='x.jpg'):
        EdgeMetric().process({}, [sample])

"""Compare mmhtc's BSDS edge evaluation with pyEdgeEval: scores and speed.

Both evaluate the same predicted / ground-truth edge maps in one process, one
after the other on each image: mmhtc with
:func:`mmhtc.evaluation.functional.edge_counts` and
:func:`~mmhtc.evaluation.functional.edge_scores`, pyEdgeEval (GPL, a test tool
only, ``pip install pyedgeeval``) with its BSDS evaluation. The maps are edges
of the real parsing labels in ``../shared/data`` (mmseg's
``GenerateEdge(edge_width=1)``), or of ``--num-images`` synthetic label maps;
predictions are the edges blurred, scaled by a random gain, plus scattered
false positives. Prints the scores of both, the time per image (total, mean
and slowest) and, last, the speed ratio (pyEdgeEval time / mmhtc time).

Usage:
    python tools/analysis_tools/benchmark_edge_eval.py \\
        [--num-images N] [--scale 1.0] [--thresholds 99] [--seed 0]
"""
import argparse
import glob
import os.path as osp
import time
from typing import List, Tuple

import cv2
import numpy as np
from mmseg.datasets.transforms import GenerateEdge
from pyEdgeEval.common.binary_label.calculate_metrics import calculate_metrics
from pyEdgeEval.common.binary_label.evaluate_boundaries import \
    evaluate_boundaries_threshold

from mmhtc.evaluation.functional import (edge_counts, edge_scores, edge_thresholds,
                                         thin_edges)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHARED_DATA = osp.join(REPO_ROOT, '..', 'shared', 'data')
LABELS = ('cihp/instance-level_human_parsing/Training/Category_ids/*.png',
          'lip/TrainVal_parsing_annotations/*/*.png')
MAX_DIST = 0.0075
EdgePair = Tuple[np.ndarray, np.ndarray]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark mmhtc edge evaluation against pyEdgeEval')
    parser.add_argument(
        '--num-images',
        type=int,
        default=0,
        help='number of synthetic maps; 0 uses the real parsing labels')
    parser.add_argument(
        '--scale', type=float, default=1.0, help='resize factor of labels')
    parser.add_argument(
        '--thresholds', type=int, default=99, help='number of thresholds')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args()


def real_labels() -> List[np.ndarray]:
    """The parsing labels of ../shared/data, (H, W) uint8 each."""
    paths = sorted(
        path for pattern in LABELS
        for path in glob.glob(osp.join(SHARED_DATA, pattern)))
    if not paths:
        raise FileNotFoundError(f'no parsing labels under {SHARED_DATA}')
    return [cv2.imread(path, cv2.IMREAD_UNCHANGED) for path in paths]


def synthetic_labels(num_images: int, rng: np.random.Generator) -> List[np.ndarray]:
    """Label maps (320, 320) of 4 to 12 random filled ellipses each."""
    labels = []
    for _ in range(num_images):
        label = np.zeros((320, 320), dtype=np.uint8)
        for _ in range(rng.integers(4, 13)):
            center = tuple(int(v) for v in rng.integers(20, 300, size=2))
            axes = tuple(int(v) for v in rng.integers(10, 80, size=2))
            cv2.ellipse(label, center, axes, float(rng.uniform(0, 180)), 0, 360,
                        int(rng.integers(1, 20)), -1)
        labels.append(label)
    return labels


def edge_pair(label: np.ndarray, rng: np.random.Generator) -> EdgePair:
    """(pred, gt): GT edges of a label map and a noisy soft prediction."""
    gt = GenerateEdge(edge_width=1).transform(
        dict(img_shape=label.shape, gt_seg_map=label))['gt_edge_map']
    soft = cv2.GaussianBlur(gt.astype(np.float32), (0, 0), 1.5)
    soft *= rng.uniform(0.6, 1.0) / max(float(soft.max()), 1e-6)
    false_pos = rng.random(gt.shape) * (rng.random(gt.shape) < 0.05)
    pred = np.clip(soft + 0.6 * false_pos, 0, 1).astype(np.float64)
    return pred, gt


def timed_counts(pairs: List[EdgePair],
                 thresholds: np.ndarray) -> Tuple[list, list, list, list]:
    """Counts (T, 4) and seconds of each image by mmhtc and by pyEdgeEval.

    The two run one after the other on each image, so that a changing load on
    the machine slows both alike. pyEdgeEval gets the thinned GT, as
    ``edge_counts`` thins it (``thin_gt``), thinned outside its timing.
    """
    ours, our_times, theirs, their_times = [], [], [], []
    for pred, gt in pairs:
        start = time.perf_counter()
        ours.append(edge_counts(pred, gt, thresholds=thresholds, max_dist=MAX_DIST))
        our_times.append(time.perf_counter() - start)
        thin_gt = thin_edges(gt != 0)
        start = time.perf_counter()
        theirs.append(
            np.stack(
                evaluate_boundaries_threshold(
                    thresholds, pred, thin_gt, max_dist=MAX_DIST),
                axis=-1))
        their_times.append(time.perf_counter() - start)
    return ours, our_times, theirs, their_times


def pyedgeeval_scores(counts: list, thresholds: np.ndarray) -> dict:
    """PyEdgeEval's ODS, OIS and AUC (as AP) of per-image counts."""
    samples = [dict(name=str(i), counts=c) for i, c in enumerate(counts)]
    _, _, overall = calculate_metrics(
        lambda sample: tuple(sample['counts'].T), list(thresholds), samples, nproc=1)
    print()
    return dict(ODS=overall['ODS_f1'], OIS=overall['OIS_f1'], AP=overall['AUC'])


def main() -> None:
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    labels = (
        synthetic_labels(args.num_images, rng)
        if args.num_images > 0 else real_labels())
    labels = [
        cv2.resize(
            label, None, fx=args.scale, fy=args.scale, interpolation=cv2.INTER_NEAREST)
        for label in labels
    ]
    pairs = [edge_pair(label, rng) for label in labels]
    thresholds = edge_thresholds(args.thresholds)
    print(f'{len(pairs)} images, sizes {sorted({p.shape for p, _ in pairs})}, '
          f'{len(thresholds)} thresholds')

    our_counts, our_times, their_counts, their_times = timed_counts(pairs, thresholds)
    for index, (pred, _) in enumerate(pairs):
        print(f'image #{index} {pred.shape}: mmhtc {our_times[index]:.3f} s, '
              f'pyEdgeEval {their_times[index]:.3f} s')
    ours = edge_scores(our_counts, thresholds)
    theirs = pyedgeeval_scores(their_counts, thresholds)
    print(f'{"":12}{"ODS":>10}{"OIS":>10}{"AP":>10}{"total (s)":>11}'
          f'{"mean (s)":>10}{"slowest (s)":>13}')
    for name, scores, seconds in (('mmhtc', ours, our_times), ('pyEdgeEval', theirs,
                                                               their_times)):
        print(f'{name:12}' + ''.join(f'{scores[key]:10.5f}'
                                     for key in ('ODS', 'OIS', 'AP')) +
              f'{sum(seconds):11.2f}{np.mean(seconds):10.3f}'
              f'{max(seconds):13.3f}')
    print(f'{"difference":12}' + ''.join(f'{ours[key] - theirs[key]:+10.5f}'
                                         for key in ('ODS', 'OIS', 'AP')))
    print('pyEdgeEval AP is its AUC (BSDS Area_PR)')
    slowest = int(np.argmax(our_times))
    print(f'mmhtc slowest image: #{slowest}, size {pairs[slowest][0].shape}, '
          f'{our_times[slowest]:.3f} s')
    print('speed ratio (pyEdgeEval / mmhtc): '
          f'{sum(their_times) / sum(our_times):.1f}')


if __name__ == '__main__':
    main()

"""Compare mmhtc's BSDS edge evaluation with pyEdgeEval: scores and speed.

Both evaluate the same predicted / ground-truth edge maps, in one process each:
mmhtc with :func:`mmhtc.evaluation.functional.edge_counts` and
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

from mmhtc.evaluation.functional import (edge_counts, edge_scores,
                                         edge_thresholds, thin_edges)

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


def synthetic_labels(num_images: int,
                     rng: np.random.Generator) -> List[np.ndarray]:
    """Label maps (320, 320) of 4 to 12 random filled ellipses each."""
    labels = []
    for _ in range(num_images):
        label = np.zeros((320, 320), dtype=np.uint8)
        for _ in range(rng.integers(4, 13)):
            center = tuple(int(v) for v in rng.integers(20, 300, size=2))
            axes = tuple(int(v) for v in rng.integers(10, 80, size=2))
            cv2.ellipse(label, center, axes, float(rng.uniform(0, 180)), 0,
                        360, int(rng.integers(1, 20)), -1)
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


def evaluate_mmhtc(pairs: List[EdgePair],
                   thresholds: np.ndarray) -> Tuple[dict, List[float]]:
    counts, seconds = [], []
    for pred, gt in pairs:
        start = time.perf_counter()
        counts.append(
            edge_counts(pred, gt, thresholds=thresholds, max_dist=MAX_DIST))
        seconds.append(time.perf_counter() - start)
    return edge_scores(counts, thresholds), seconds


def evaluate_pyedgeeval(pairs: List[EdgePair],
                        thresholds: np.ndarray) -> Tuple[dict, List[float]]:
    # the thinned GT, as edge_counts thins it (thin_gt)
    samples = [
        dict(name=str(i), pred=pred, gt=thin_edges(gt != 0))
        for i, (pred, gt) in enumerate(pairs)
    ]
    seconds = []

    def evaluate_one(sample: dict) -> tuple:
        start = time.perf_counter()
        counts = evaluate_boundaries_threshold(
            thresholds, sample['pred'], sample['gt'], max_dist=MAX_DIST)
        seconds.append(time.perf_counter() - start)
        return counts

    _, _, overall = calculate_metrics(
        evaluate_one, list(thresholds), samples, nproc=1)
    print()
    scores = dict(
        ODS=overall['ODS_f1'], OIS=overall['OIS_f1'], AP=overall['AUC'])
    return scores, seconds


def main() -> None:
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    labels = (
        synthetic_labels(args.num_images, rng)
        if args.num_images > 0 else real_labels())
    labels = [
        cv2.resize(
            label,
            None,
            fx=args.scale,
            fy=args.scale,
            interpolation=cv2.INTER_NEAREST) for label in labels
    ]
    pairs = [edge_pair(label, rng) for label in labels]
    thresholds = edge_thresholds(args.thresholds)
    print(f'{len(pairs)} images, sizes {sorted({p.shape for p, _ in pairs})}, '
          f'{len(thresholds)} thresholds')

    ours, our_times = evaluate_mmhtc(pairs, thresholds)
    theirs, their_times = evaluate_pyedgeeval(pairs, thresholds)
    print(f'{"":12}{"ODS":>10}{"OIS":>10}{"AP":>10}{"total (s)":>11}'
          f'{"mean (s)":>10}{"slowest (s)":>13}')
    for name, scores, seconds in (('mmhtc', ours, our_times),
                                  ('pyEdgeEval', theirs, their_times)):
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

"""Samples/s of mmhtc's joint LIP training pipeline and mmseg's stock LIP one.

Both pipelines transform the same LIP samples (image and parsing label; the joint
pipeline also reads the sample's keypoints) in one process:

- joint: the ``train_pipeline`` of ``--config`` (default
  ``configs/_base_/datasets/lip_parsing.py``: joint flip with left/right classes
  and joints swapped, random affine to 384 x 384, edges, keypoint heatmaps, packed
  into a ``SegDataSample``);
- stock: mmseg's LIP training pipeline (its ``lip_321x321.py`` dataset config):
  ``LoadImageFromFile``, ``LoadAnnotations``, ``RandomResize`` to 520 x 520 times
  0.75-1.25, ``RandomCrop`` 321 x 321 (``cat_max_ratio=0.75``), ``RandomFlip``,
  ``PhotoMetricDistortion``, ``PackSegInputs``.

The samples are the LIP images with parsing labels under ``--data-root``: by
default the real samples in ``../shared/data/lip`` when that folder exists, else
the synthetic demo data in ``data/synthetic_lip`` (generated if missing). Each
repeat runs every sample through both pipelines (which goes first alternates;
both start from the same random seed); the median over repeats of the seconds per
sample is reported, file reading and decoding included, with the median of each
transform. The last line printed is the time ratio joint / stock.

Usage:
    python tools/analysis_tools/benchmark_data_pipeline.py [--config CONFIG]
        [--data-root DIR] [--max-samples 20] [--repeats 30]
"""
import argparse
import copy
import os.path as osp
import random
import statistics
import tempfile
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DATASETS, init_default_scope

from mmhtc.datasets.synthetic_lip import generate_synthetic_lip

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REAL_LIP = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data', 'lip')
SYNTHETIC_LIP = osp.join(REPO_ROOT, 'data', 'synthetic_lip')
DEFAULT_CONFIG = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', 'lip_parsing.py')
STOCK_CROP = (321, 321)
STOCK_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(520, 520),
        ratio_range=(0.75, 1.25),
        keep_ratio=False),
    dict(type='RandomCrop', crop_size=STOCK_CROP, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
PIPELINES = ('joint', 'stock')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Compare the joint LIP training pipeline with mmseg\'s')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='dataset config whose train_pipeline is the joint pipeline')
    parser.add_argument(
        '--data-root',
        default=None,
        help='LIP data root (default: the real samples in '
        '../shared/data/lip, else data/synthetic_lip)')
    parser.add_argument(
        '--max-samples', type=int, default=20, help='samples used at most')
    parser.add_argument('--repeats', type=int, default=30, help='timed passes')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args(argv)


def default_data_root() -> str:
    """The real LIP samples when present, else the synthetic demo data."""
    if osp.isdir(REAL_LIP):
        return REAL_LIP
    generate_synthetic_lip(SYNTHETIC_LIP)
    return SYNTHETIC_LIP


def load_samples(cfg: Config, data_root: str, max_samples: int) -> List[dict]:
    """The raw samples (no transforms) of the images with parsing labels.

    Both splits of LIP's layout are read with the config's dataset class; an image
    without a parsing label, or a split without its pose CSV, is left out / read without
    keypoints.
    """
    dataset_cfg = cfg.train_dataloader.dataset
    samples = []
    for split in ('train', 'val'):
        image_dir = f'TrainVal_images/{split}_images'
        label_dir = f'TrainVal_parsing_annotations/{split}_segmentations'
        id_file = osp.join(data_root, f'TrainVal_images/{split}_id.txt')
        if not osp.isfile(id_file):
            continue
        with open(id_file, encoding='utf-8') as f:
            ids = [
                line.strip() for line in f if line.strip()
                and osp.isfile(osp.join(data_root, label_dir,
                                        line.strip() + '.png'))
            ]
        ids = ids[:max_samples - len(samples)]
        if not ids:
            continue
        pose_file = f'TrainVal_pose_annotations/lip_{split}_set.csv'
        with tempfile.TemporaryDirectory() as tmp:
            ann_file = osp.join(tmp, 'ids.txt')
            with open(ann_file, 'w', encoding='utf-8') as f:
                f.write('\n'.join(ids))
            dataset = DATASETS.build(
                dict(
                    type=dataset_cfg.type,
                    data_root=data_root,
                    ann_file=ann_file,
                    pose_file=pose_file
                    if osp.isfile(osp.join(data_root, pose_file)) else None,
                    data_prefix=dict(img_path=image_dir, seg_map_path=label_dir),
                    pipeline=[]))
            samples += [dataset.get_data_info(i) for i in range(len(dataset))]
    if not samples:
        raise FileNotFoundError(
            f'benchmark_data_pipeline: no LIP image with a parsing label under '
            f'{data_root} (TrainVal_images/{{train,val}}_id.txt, '
            'TrainVal_parsing_annotations/{train,val}_segmentations)')
    return samples


def build_pipelines(cfg: Config) -> Dict[str, Compose]:
    """The joint (``cfg.train_pipeline``) and the stock pipeline."""
    if 'train_pipeline' not in cfg:
        raise KeyError(f'{cfg.filename}: no train_pipeline')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return dict(joint=Compose(cfg.train_pipeline), stock=Compose(STOCK_PIPELINE))


def timed_pass(pipeline: Compose, samples: List[dict], seed: int) -> Dict[str, float]:
    """Seconds per sample of each transform in one pass over ``samples`` (sample copies
    excluded), keyed ``'<index> <transform class>'``."""
    random.seed(seed)
    np.random.seed(seed)
    seconds = {f'{i} {type(t).__name__}': 0. for i, t in enumerate(pipeline.transforms)}
    for sample in samples:
        data = copy.deepcopy(sample)
        for key, transform in zip(seconds, pipeline.transforms):
            start = time.perf_counter()
            data = transform(data)
            seconds[key] += time.perf_counter() - start
            if data is None:
                raise RuntimeError(f'benchmark_data_pipeline: {key} dropped the sample '
                                   f'{sample["img_path"]}')
    return {key: value / len(samples) for key, value in seconds.items()}


def run(args: argparse.Namespace) -> Dict:
    """Time both pipelines.

    Returns:
        ``data_root``, ``num_samples`` and per pipeline ``times`` (s per sample,
        one per repeat), ``seconds`` (their median), ``samples_per_s`` and
        ``transforms`` (per transform, the median s per sample).
    """
    cfg = Config.fromfile(args.config)
    pipelines = build_pipelines(cfg)
    data_root = args.data_root or default_data_root()
    samples = load_samples(cfg, data_root, args.max_samples)
    passes = {name: [] for name in PIPELINES}
    for name in PIPELINES:
        timed_pass(pipelines[name], samples, args.seed)
    for repeat in range(args.repeats):
        order = PIPELINES if repeat % 2 == 0 else PIPELINES[::-1]
        for name in order:
            passes[name].append(
                timed_pass(pipelines[name], samples, args.seed + repeat))
    results = dict(data_root=data_root, num_samples=len(samples))
    for name in PIPELINES:
        times = [sum(p.values()) for p in passes[name]]
        seconds = statistics.median(times)
        results[name] = dict(
            times=times,
            seconds=seconds,
            samples_per_s=1 / seconds,
            transforms={
                key: statistics.median(p[key] for p in passes[name])
                for key in passes[name][0]
            })
    return results


def report(args: argparse.Namespace, results: Dict) -> None:
    print(f'{results["num_samples"]} LIP samples from {results["data_root"]}, '
          f'{args.repeats} interleaved passes after one warm-up pass')
    print(f'joint: train_pipeline of {args.config}')
    print(f'stock: mmseg LIP ({STOCK_CROP[0]} x {STOCK_CROP[1]} crops)')
    for name in PIPELINES:
        res = results[name]
        print(f'{name:6} median {res["seconds"] * 1e3:.2f} ms/sample, '
              f'{res["samples_per_s"]:.1f} samples/s (passes: '
              f'{min(res["times"]) * 1e3:.2f}-{max(res["times"]) * 1e3:.2f} '
              'ms/sample)')
        print('       ' + ', '.join(f'{key.split()[1]} {value * 1e3:.2f}'
                                    for key, value in res['transforms'].items()))
    print('time ratio joint/stock: '
          f'{results["joint"]["seconds"] / results["stock"]["seconds"]:.3f}')


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_args(argv)
    results = run(args)
    report(args, results)
    return results


if __name__ == '__main__':
    main()

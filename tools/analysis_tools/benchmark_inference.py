"""Inference speed (images/s) of two configs' models on the same inputs, one run.

Both models are built with :func:`mmhtc.apis.init_model` (mmseg- or mmpose-world
configs; SyncBN becomes BN, no pretrained weights are loaded, random
initialisation), in eval mode, and run the network forward (``mode='tensor'``:
backbone, neck and head, without pre-processing, flip test or decoding) under
``torch.no_grad`` on the same random batch. After ``--warmup`` runs each, the two
models alternate for ``--repeats`` timed runs (which goes first alternates too);
the median time per batch gives the images/s. The last line printed is the time
ratio A / B.

Usage:
    python tools/analysis_tools/benchmark_inference.py CONFIG_A CONFIG_B \\
        [--shape 256 256] [--batch 1] [--warmup 2] [--repeats 7] [--device cpu]
"""
import argparse
import statistics
import time
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor, nn

from mmhtc.apis import init_model


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Compare the inference speed of two configs\' models')
    parser.add_argument('config_a', help='config file A (numerator)')
    parser.add_argument('config_b', help='config file B (denominator)')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=[256, 256], help='input H W')
    parser.add_argument('--batch', type=int, default=1, help='images per run')
    parser.add_argument('--warmup', type=int, default=2, help='untimed runs')
    parser.add_argument('--repeats', type=int, default=7, help='timed runs')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args(argv)


def timed_forward(model: nn.Module, inputs: Tensor) -> float:
    """Seconds of one network forward."""
    synchronize = inputs.device.type == 'cuda'
    if synchronize:
        torch.cuda.synchronize(inputs.device)
    start = time.perf_counter()
    with torch.no_grad():
        model(inputs, None, mode='tensor')
    if synchronize:
        torch.cuda.synchronize(inputs.device)
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> List[Dict]:
    """Build and time both models.

    Returns:
        Per config: ``config``, ``params`` (count), ``times`` (s per batch),
        ``seconds`` (their median) and ``images_per_s``.
    """
    torch.manual_seed(args.seed)
    models = [
        init_model(config, device=args.device)
        for config in (args.config_a, args.config_b)
    ]
    inputs = torch.randn(args.batch, 3, *args.shape, device=args.device)
    results = [
        dict(
            config=config,
            params=sum(p.numel() for p in model.parameters()),
            times=[])
        for config, model in zip((args.config_a, args.config_b), models)
    ]
    for model in models:
        for _ in range(args.warmup):
            timed_forward(model, inputs)
    for repeat in range(args.repeats):
        order = (0, 1) if repeat % 2 == 0 else (1, 0)
        for index in order:
            results[index]['times'].append(
                timed_forward(models[index], inputs))
    for result in results:
        result['seconds'] = statistics.median(result['times'])
        result['images_per_s'] = args.batch / result['seconds']
    return results


def report(args: argparse.Namespace, results: List[Dict]) -> None:
    print(f'input {args.batch} x 3 x {args.shape[0]} x {args.shape[1]} on '
          f'{args.device} ({torch.get_num_threads()} threads), '
          f'{args.repeats} interleaved runs after {args.warmup} warm-up')
    for name, result in zip('AB', results):
        times = ' '.join(f'{t:.3f}' for t in result['times'])
        print(f'{name}: {result["config"]}')
        print(f'   params {result["params"] / 1e6:.2f} M, median '
              f'{result["seconds"]:.4f} s/batch, '
              f'{result["images_per_s"]:.2f} images/s (runs: {times})')
    a, b = results
    print(f'time ratio A/B: {a["seconds"] / b["seconds"]:.3f}')


def main(argv: Optional[Sequence[str]] = None) -> List[Dict]:
    args = parse_args(argv)
    results = run(args)
    report(args, results)
    return results


if __name__ == '__main__':
    main()

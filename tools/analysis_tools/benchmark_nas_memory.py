"""Peak memory and time of an NPPNet search step with partial channels (PC-DARTS, K=2)
against full mixed operations (K=1, DARTS), same inputs, one run.

The two searchable networks (same size, same searched parts) run a forward and a
backward pass of all their outputs on the same images. Memory is counted as in
``benchmark_hnl.py`` (allocator events on CPU, ``max_memory_allocated`` on CUDA):
the peak over what was allocated before the step. Time is the median over
``--repeats`` interleaved runs (``--repeats 0``: memory only). The last line
holds the ratios K=2 / K=1.

Usage:
    python tools/analysis_tools/benchmark_nas_memory.py [--stage encdec]
        [--channels 16] [--cells 4] [--size 128] [--batch 2] [--repeats 3]
        [--device cpu]
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import Dict, Optional, Sequence

import torch

from mmhtc.models.nas import NPPNetwork, load_genotype

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_hnl import measure_memory, synchronize  # noqa: E402

PAPER_GENOTYPE = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', 'nppnet',
    'genotypes', 'nppnet_lip_paper.yaml')
STAGES = dict(
    encdec=('encoder', 'decoder'), **{'interaction-fusion': ('interaction', 'fusion')})


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark partial-channel against full mixed operations')
    parser.add_argument(
        '--stage',
        choices=sorted(STAGES),
        default='encdec',
        help='the searched parts (the paper\'s two stages)')
    parser.add_argument('--channels', type=int, default=16, help='C')
    parser.add_argument('--cells', type=int, default=4, help='L')
    parser.add_argument('--size', type=int, default=128, help='H = W')
    parser.add_argument('--batch', type=int, default=2, help='batch size')
    parser.add_argument(
        '--repeats',
        type=int,
        default=3,
        help='timed runs per network (0: memory only)')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def build(args: argparse.Namespace, k: int) -> NPPNetwork:
    """The searchable network of ``args.stage`` with partial channels ``k``."""
    search = STAGES[args.stage]
    fixed = {
        part: cells
        for part, cells in load_genotype(PAPER_GENOTYPE).items()
        if part in ('encoder', 'decoder') and part not in search
    }
    torch.manual_seed(0)
    return NPPNetwork(
        args.channels,
        args.cells,
        20,
        16,
        genotype=fixed,
        search=search,
        num_fusion_layers=1,
        partial_channels=k).to(args.device).train()


def step(network: NPPNetwork, images: torch.Tensor) -> None:
    """Forward and backward of every output."""
    out = network(images)
    sum(p.float().mean() for stage in out.values() for p in stage.values()).backward()
    network.zero_grad(set_to_none=True)


def run(args: argparse.Namespace) -> Dict[int, Dict]:
    device = torch.device(args.device)
    images = torch.randn(args.batch, 3, args.size, args.size, device=device)
    networks = {k: build(args, k) for k in (1, 2)}
    results = {}
    for k, network in networks.items():
        step(network, images)
        results[k] = dict(
            memory=measure_memory(lambda n=network: step(n, images), device)['peak'],
            times=[])
    for r in range(args.repeats):
        for k in ((1, 2) if r % 2 == 0 else (2, 1)):
            synchronize(device)
            start = time.perf_counter()
            step(networks[k], images)
            synchronize(device)
            results[k]['times'].append(time.perf_counter() - start)
    if args.repeats:
        for k in results:
            results[k]['time'] = statistics.median(results[k]['times'])
    return results


def main(argv: Optional[Sequence[str]] = None) -> Dict[int, Dict]:
    args = parse_args(argv)
    results = run(args)
    print(f'NPPNet search step, parts {STAGES[args.stage]}, C={args.channels},'
          f' L={args.cells}, {args.batch} x 3 x {args.size} x {args.size}, '
          f'{args.device}')
    for k, r in results.items():
        timing = f', time {r["time"]:.3f} s' if args.repeats else ''
        print(f'K={k}: peak {r["memory"] / 1e6:.1f} MB{timing}')
    ratios = f'memory {results[2]["memory"] / results[1]["memory"]:.3f}'
    if args.repeats:
        ratios += f', time {results[2]["time"] / results[1]["time"]:.3f}'
    print(f'ratio K=2 / K=1: {ratios}')
    return results


if __name__ == '__main__':
    main()

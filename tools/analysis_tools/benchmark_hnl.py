"""Peak memory and time of HNL's explicit and fused attention, same inputs, one run.

One :class:`~mmhtc.models.layers.HeterogeneousNonLocal` (the same weights, in
training mode) runs a forward and backward pass on the same random inputs with
``attention='explicit'`` (the relation map S, L x L' with L = H x W, is formed) and
``'fused'`` (:func:`torch.nn.functional.scaled_dot_product_attention`); with
``--with-cp`` also ``'checkpointed'``: fused attention with ``with_cp=True``
(activation checkpointing: the backward pass recomputes the hybrid, the attention
and the output one after the other). The main and hybrid inputs require gradients,
as inside a network.

- Memory: the peak of the bytes allocated during one forward + backward, over what
  was allocated before it (inputs, weights). On CPU, counted by the allocator:
  the profiler's memory events (``profile_memory=True``, every ATen allocation and
  free with its size), summed in time order; the peak increase of the process's
  resident set (``VmHWM`` after resetting it) is printed as a cross-check. On
  CUDA, ``torch.cuda.max_memory_allocated``.
- Time: median seconds of forward + backward over ``--repeats`` runs, the two
  paths interleaved (alternating which goes first). A check that both paths give
  the same outputs and input gradients runs first and warms both up.
- Kernel: the attention operator the fused path ran (the profiler's op names);
  ``math`` means scaled_dot_product_attention fell back to forming S.
- Agreement: the largest difference from the explicit path of the output and the
  gradients of the inputs and the weights, computed first (it also warms up).

The last lines printed hold the ratios of each path to explicit.

Usage:
    python tools/analysis_tools/benchmark_hnl.py [--channels 512] [--size 96]
        [--batch 2] [--no-sub-sample] [--with-cp] [--repeats 3] [--device cpu]
        [--quick]
"""
import argparse
import gc
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor
from torch.profiler import ProfilerActivity, profile

from mmhtc.models.layers import HeterogeneousNonLocal

# path -> (attention, with_cp)
PATHS = dict(
    explicit=('explicit', False), fused=('fused', False), checkpointed=('fused', True))
QUICK = dict(channels=256, size=48)
MB = 1e6


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark explicit against fused HNL attention')
    parser.add_argument('--channels', type=int, default=512, help='C')
    parser.add_argument('--size', type=int, default=96, help='H = W')
    parser.add_argument('--batch', type=int, default=2, help='batch size')
    parser.add_argument(
        '--inter-channels', type=int, default=256, help='query/key channels')
    parser.add_argument(
        '--num-inputs', type=int, default=3, help='features of the hybrid')
    parser.add_argument(
        '--no-sub-sample',
        action='store_true',
        help='keys at full resolution (L x L relation map)')
    parser.add_argument(
        '--with-cp',
        action='store_true',
        help='also measure fused attention with activation checkpointing')
    parser.add_argument(
        '--warmup',
        type=int,
        default=0,
        help='untimed runs per path besides the agreement check')
    parser.add_argument('--repeats', type=int, default=3, help='timed runs')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument(
        '--quick',
        action='store_true',
        help=f'small size: C={QUICK["channels"]}, {QUICK["size"]}x'
        f'{QUICK["size"]}')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    args = parser.parse_args(argv)
    if args.quick:
        args.channels, args.size = QUICK['channels'], QUICK['size']
    args.modes = tuple(PATHS)[:3 if args.with_cp else 2]
    return args


def make_inputs(args: argparse.Namespace,
                device: torch.device) -> Tuple[Tensor, List[Tensor]]:
    """Main feature and hybrid features, (B, C, H, W) each, requiring grad."""
    generator = torch.Generator().manual_seed(args.seed)
    shape = (args.batch, args.channels, args.size, args.size)
    tensors = [
        torch.randn(shape, generator=generator).to(device).requires_grad_()
        for _ in range(args.num_inputs + 1)
    ]
    return tensors[0], tensors[1:]


def step(module: HeterogeneousNonLocal, main: Tensor, inputs: List[Tensor]) -> None:
    """One forward and backward pass; gradients are freed afterwards."""
    out, _ = module(main, inputs)
    out.sum().backward()
    del out
    module.zero_grad(set_to_none=True)
    for tensor in (main, *inputs):
        tensor.grad = None


def synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def allocator_peak(events: list) -> int:
    """Peak of the running sum of allocation sizes (frees are negative)."""
    total = peak = 0
    for event in sorted(events, key=lambda e: e.start_ns()):
        total += event.nbytes()
        peak = max(peak, total)
    return peak


def read_status(key: str) -> int:
    """A memory entry of /proc/self/status (e.g. ``VmRSS``) in bytes."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) * 1024
    raise KeyError(f'{key} not in /proc/self/status')


def reset_resident_peak() -> bool:
    """Reset the process's peak resident set (Linux); False where impossible."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        return False
    return True


def attention_kernel(op_names: set) -> str:
    """The scaled_dot_product_attention implementation among profiled ops."""
    kernels = sorted(
        name for name in op_names if name.startswith('aten::_scaled_dot_product')
        and not name.endswith('_backward'))
    return ', '.join(name[len('aten::_scaled_dot_product_'):]
                     for name in kernels) or '-'


def measure_memory(fn: Callable[[], None], device: torch.device) -> Dict:
    """Peak memory of ``fn()`` over what was allocated before (bytes), and the attention
    kernel it ran."""
    gc.collect()
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        start = torch.cuda.memory_allocated(device)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            fn()
            torch.cuda.synchronize(device)
        peak = torch.cuda.max_memory_allocated(device) - start
    else:
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            fn()
        events = prof.profiler.kineto_results.events()
        peak = allocator_peak([e for e in events if e.name() == '[memory]'])
    names = {event.key for event in prof.key_averages()}
    return dict(peak=peak, kernel=attention_kernel(names))


def timed_step(module: HeterogeneousNonLocal, main: Tensor, inputs: List[Tensor],
               device: torch.device) -> Tuple[float, Optional[int]]:
    """Seconds of one forward + backward and, on Linux CPUs, the peak increase of the
    resident set (bytes) during it."""
    gc.collect()
    rss = device.type == 'cpu' and reset_resident_peak()
    before = read_status('VmRSS') if rss else 0
    synchronize(device)
    start = time.perf_counter()
    step(module, main, inputs)
    synchronize(device)
    seconds = time.perf_counter() - start
    return seconds, read_status('VmHWM') - before if rss else None


def set_path(module: HeterogeneousNonLocal, mode: str) -> None:
    module.attention, module.with_cp = PATHS[mode]


def check_agreement(module: HeterogeneousNonLocal, main: Tensor, inputs: List[Tensor],
                    modes: Sequence[str]) -> Dict:
    """Per path after the first, the largest difference from the first path of the
    output and the gradients of the inputs and the weights."""
    results = {}
    tensors = (main, *inputs, *module.parameters())
    for mode in modes:
        set_path(module, mode)
        out, _ = module(main, inputs)
        grads = torch.autograd.grad(out.square().mean(), tensors)
        results[mode] = [out.detach(), *grads]
    first = results[modes[0]]
    return {
        mode: max((a - b).abs().max().item() for a, b in zip(first, results[mode]))
        for mode in modes[1:]
    }


def run(args: argparse.Namespace) -> Dict[str, Dict]:
    """Measure the paths ``args.modes``.

    Returns:
        ``difference`` (the largest difference of a path from explicit, float)
        and per path a dict of ``difference`` (from explicit; not for explicit
        itself), ``peak`` (bytes), ``rss`` (bytes, the largest of the timed
        runs; None off Linux or on CUDA), ``kernel`` (str), ``times`` and
        ``seconds`` (their median).
    """
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    module = HeterogeneousNonLocal(
        args.channels,
        num_inputs=args.num_inputs,
        inter_channels=args.inter_channels,
        sub_sample=not args.no_sub_sample).to(device)
    main, inputs = make_inputs(args, device)
    modes = args.modes
    differences = check_agreement(module, main, inputs, modes)
    results = dict(difference=max(differences.values()))
    for mode in modes:
        set_path(module, mode)
        for _ in range(args.warmup):
            step(module, main, inputs)
        results[mode] = measure_memory(lambda: step(module, main, inputs), device)
        results[mode].update(times=[], rss=[])
        if mode in differences:
            results[mode]['difference'] = differences[mode]
    for repeat in range(args.repeats):
        for mode in (modes if repeat % 2 == 0 else modes[::-1]):
            set_path(module, mode)
            seconds, rss = timed_step(module, main, inputs, device)
            results[mode]['times'].append(seconds)
            results[mode]['rss'].append(rss)
    for mode in modes:
        res = results[mode]
        res['seconds'] = statistics.median(res['times'])
        res['rss'] = None if None in res['rss'] else max(res['rss'])
    return results


def report(args: argparse.Namespace, results: Dict[str, Dict]) -> None:
    size = args.size * args.size
    keys = size if args.no_sub_sample else size // 4
    relation = args.batch * size * keys * 4 / MB
    print(f'HNL: C={args.channels}, {args.size}x{args.size}, batch '
          f'{args.batch}, inter_channels {args.inter_channels}, '
          f'{args.num_inputs} hybrid inputs, L={size}, keys L\'={keys}, '
          f'forward + backward on {args.device} '
          f'({torch.get_num_threads()} threads)')
    print(f'relation map S: {relation:.1f} MB per copy (fp32)')
    for mode in args.modes[1:]:
        print(f'max |explicit - {mode}| (output, input and weight grads): '
              f'{results[mode]["difference"]:.2e}')
    print(f'{"":10}{"peak MB":>10}{"RSS MB":>10}{"time s":>10}  '
          f'attention kernel / times')
    for mode in args.modes:
        res = results[mode]
        rss = 'n/a' if res['rss'] is None else f'{res["rss"] / MB:.1f}'
        times = ' '.join(f'{t:.3f}' for t in res['times'])
        print(f'{mode:10}{res["peak"] / MB:10.1f}{rss:>10}'
              f'{res["seconds"]:10.3f}  {res["kernel"]} / {times}')
    explicit = results['explicit']
    for mode in args.modes[1:]:
        res = results[mode]
        print(f'ratios {mode}/explicit: memory '
              f'{res["peak"] / explicit["peak"]:.3f} time '
              f'{res["seconds"] / explicit["seconds"]:.3f}')


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Dict]:
    args = parse_args(argv)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit('benchmark_hnl: --device cuda but no GPU is visible')
    results = run(args)
    report(args, results)
    return results


if __name__ == '__main__':
    main()

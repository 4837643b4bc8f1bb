"""Inference speed (images/s) of two configs' models on the same inputs, one run.

Both models are built with :func:`mmhtc.apis.init_model` (mmseg- or mmpose-world
configs; SyncBN becomes BN, no pretrained weights are loaded, random
initialisation), in eval mode, and run the network forward (``mode='tensor'``:
backbone, neck and head, without pre-processing, flip test or decoding) under
``torch.no_grad`` on the same random batch. After ``--warmup`` runs each, the two
models alternate for ``--repeats`` timed runs (which goes first alternates too);
the median time per batch gives the images/s. The last line printed is the time
ratio A / B.

With ``--onnx`` and one config, the two sides are that model's network forward
with every task output (``tools/deployment/pytorch2onnx.py``'s export module) in
PyTorch and its ONNX export (fixed input shape, written to a temporary folder) in
onnxruntime's CPU provider with as many threads as PyTorch, on the same input,
timed the same way; the largest difference of their outputs is printed, and the
last line is the time ratio onnxruntime / PyTorch.

Usage:
    python tools/analysis_tools/benchmark_inference.py CONFIG_A CONFIG_B \\
        [--shape 256 256] [--batch 1] [--warmup 2] [--repeats 7] [--device cpu]
    python tools/analysis_tools/benchmark_inference.py CONFIG --onnx \\
        [--checkpoint CKPT] [--cfg-options KEY=VALUE] [--shape 256 256] ...
"""
import argparse
import importlib.util
import os.path as osp
import statistics
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import DictAction
from torch import nn

from mmhtc.apis import init_model

EXPORT_TOOL = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'deployment', 'pytorch2onnx.py')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Compare the inference speed of two configs\' models')
    parser.add_argument('config_a', help='config file A (numerator)')
    parser.add_argument(
        'config_b', nargs='?', help='config file B (denominator; not with '
        '--onnx)')
    parser.add_argument(
        '--onnx',
        action='store_true',
        help='onnxruntime against PyTorch for config A\'s model')
    parser.add_argument('--checkpoint', help='weights of config A (--onnx)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='overrides of config A (--onnx)')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=[256, 256], help='input H W')
    parser.add_argument('--batch', type=int, default=1, help='images per run')
    parser.add_argument('--warmup', type=int, default=2, help='untimed runs')
    parser.add_argument('--repeats', type=int, default=7, help='timed runs')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    args = parser.parse_args(argv)
    if args.onnx == (args.config_b is not None):
        parser.error('give CONFIG_A CONFIG_B, or one CONFIG with --onnx')
    if not args.onnx and (args.checkpoint or args.cfg_options):
        parser.error('--checkpoint and --cfg-options go with --onnx')
    return args


def timed(forward: Callable[[], object], device: torch.device) -> float:
    """Seconds of one call of ``forward``."""
    synchronize = device.type == 'cuda'
    if synchronize:
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    with torch.no_grad():
        forward()
    if synchronize:
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def time_interleaved(args: argparse.Namespace, forwards: Sequence[Callable[[], object]],
                     results: List[Dict], device: torch.device) -> None:
    """``--warmup`` untimed calls of each forward, then ``--repeats`` timed
    rounds in alternating order; adds ``times``, ``seconds`` (median) and
    ``images_per_s`` to each result."""
    for forward in forwards:
        for _ in range(args.warmup):
            timed(forward, device)
    for result in results:
        result['times'] = []
    for repeat in range(args.repeats):
        order = (0, 1) if repeat % 2 == 0 else (1, 0)
        for index in order:
            results[index]['times'].append(timed(forwards[index], device))
    for result in results:
        result['seconds'] = statistics.median(result['times'])
        result['images_per_s'] = args.batch / result['seconds']


def parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def run(args: argparse.Namespace) -> List[Dict]:
    """Build and time both models.

    Returns:
        Per config: ``config``, ``params`` (count), ``times`` (s per batch),
        ``seconds`` (their median) and ``images_per_s``.
    """
    torch.manual_seed(args.seed)
    configs = (args.config_a, args.config_b)
    models = [init_model(config, device=args.device) for config in configs]
    inputs = torch.randn(args.batch, 3, *args.shape, device=args.device)
    results = [
        dict(config=config, params=parameters(model))
        for config, model in zip(configs, models)
    ]
    forwards = [
        lambda model=model: model(inputs, None, mode='tensor') for model in models
    ]
    time_interleaved(args, forwards, results, inputs.device)
    return results


def load_export_tool():
    """tools/deployment/pytorch2onnx.py as a module."""
    spec = importlib.util.spec_from_file_location('pytorch2onnx', EXPORT_TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_onnx(args: argparse.Namespace) -> List[Dict]:
    """Time config A's network forward in onnxruntime and in PyTorch.

    Returns:
        ``onnxruntime`` and ``PyTorch`` results as :func:`run`'s, the first with
        ``difference``: the largest |onnxruntime - PyTorch| over all outputs.
    """
    import onnxruntime as ort
    tool = load_export_tool()
    torch.manual_seed(args.seed)
    model = init_model(
        args.config_a,
        args.checkpoint,
        device=args.device,
        cfg_options=args.cfg_options)
    wrapper = tool.export_module(model).eval()
    inputs = torch.randn(args.batch, 3, *args.shape, device=args.device)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory() as folder:
        path = osp.join(folder, 'model.onnx')
        tool.export(model, path, args.shape, batch=args.batch)
        session = ort.InferenceSession(
            path, options, providers=['CPUExecutionProvider'])
    feed = {'input': inputs.cpu().numpy()}
    with torch.no_grad():
        expected = [t.cpu().numpy() for t in wrapper(inputs)]
    difference = max(
        float(np.abs(got - ref).max())
        for got, ref in zip(session.run(None, feed), expected))
    params = parameters(model)
    results = [
        dict(
            config=f'onnxruntime CPU: {args.config_a}',
            params=params,
            difference=difference),
        dict(config=f'PyTorch {args.device}: {args.config_a}', params=params),
    ]
    forwards = [lambda: session.run(None, feed), lambda: wrapper(inputs)]
    time_interleaved(args, forwards, results, inputs.device)
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
    if args.onnx:
        print(f'outputs: max |onnxruntime - PyTorch| {a["difference"]:.2e}')
        print('time ratio onnxruntime/PyTorch: '
              f'{a["seconds"] / b["seconds"]:.3f}')
    else:
        print(f'time ratio A/B: {a["seconds"] / b["seconds"]:.3f}')


def main(argv: Optional[Sequence[str]] = None) -> List[Dict]:
    args = parse_args(argv)
    results = run_onnx(args) if args.onnx else run(args)
    report(args, results)
    return results


if __name__ == '__main__':
    main()

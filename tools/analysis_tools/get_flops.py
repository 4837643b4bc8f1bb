"""Parameters and FLOPs of a config's model at a given input size.

Counts with mmengine's complexity analysis (``FlopAnalyzer``: one multiply-add is one
FLOP) on one image of 3 x H x W, the model in eval mode and ``mode='tensor'``
(backbone plus the head's main output, as at inference). HNL modules are switched
to their explicit attention so that the relation-map products are counted (the
fused kernel is opaque to the counter; its FLOPs are the same). Besides the whole
model it prints each part that has parameters or FLOPs: the backbone, the head
and, in HTCorrM heads, every task encoder and the fusion.

Usage:
    python tools/analysis_tools/get_flops.py CONFIG --shape 256 256
"""
import argparse
from typing import Dict, List, Tuple

import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, init_default_scope
from torch import nn

from mmhtc.models.layers import HeterogeneousNonLocal


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=[256, 256], help='input H W')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args()


def parts(model: nn.Module) -> List[str]:
    """Names of the model's parts: its children but the data preprocessor, then the
    encoders and fusion of every HTCorrM head (``<head>.core``)."""
    names = [n for n, _ in model.named_children() if n != 'data_preprocessor']
    for head in list(names):
        core = getattr(getattr(model, head), 'core', None)
        if core is None:
            continue
        names += [f'{head}.core.encoders.{task}' for task in core.encoders]
        names += [
            f'{head}.core.{fusion}' for fusion in ('hnl', 'concat')
            if hasattr(core, fusion)
        ]
    return names


def complexity(cfg: Config, height: int, width: int) -> Dict[str, Tuple[int, int]]:
    """Build the config's model and count its parameters and FLOPs.

    Returns:
        dict: (parameters, FLOPs) of the whole model under ``''`` and of each of
        its :func:`parts` under its name.
    """
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model).eval()
    for module in model.modules():
        if isinstance(module, HeterogeneousNonLocal):
            module.attention = 'explicit'
    with torch.no_grad():
        analyzer = FlopAnalyzer(model, (torch.zeros(1, 3, height, width), None))
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        flops = analyzer.by_module()
    params = parameter_count(model)
    return {name: (params[name], flops[name]) for name in [''] + parts(model)}


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    height, width = args.shape
    info = complexity(cfg, height, width)
    params, flops = info.pop('')
    print(f'config: {args.config}')
    print(f'input shape: 3 x {height} x {width}')
    for name, (part_params, part_flops) in info.items():
        if part_params or part_flops:
            print(f'  {name}: {part_params / 1e6:.3f} M, '
                  f'{part_flops / 1e9:.3f} GFLOPs')
    print(f'params: {params / 1e6:.2f} M')
    print(f'flops: {flops / 1e9:.2f} GFLOPs')


if __name__ == '__main__':
    main()

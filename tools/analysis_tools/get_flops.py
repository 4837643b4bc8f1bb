"""Parameters and FLOPs of a config's model at a given input size.

Counts with mmengine's complexity analysis on one image of 3 x H x W, the model in
eval mode and ``mode='tensor'`` (backbone plus the head's main output, as at
inference). HNL modules are switched to their explicit attention so that the
relation-map products are counted (the fused kernel is opaque to the counter; its
FLOPs are the same).

Usage:
    python tools/analysis_tools/get_flops.py CONFIG --shape 256 256
"""
import argparse

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, init_default_scope

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


def complexity(cfg: Config, height: int, width: int) -> dict:
    """Build the config's model and count its parameters and FLOPs."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model).eval()
    for module in model.modules():
        if isinstance(module, HeterogeneousNonLocal):
            module.attention = 'explicit'
    with torch.no_grad():
        return get_model_complexity_info(
            model,
            inputs=(torch.zeros(1, 3, height, width), None),
            show_table=False,
            show_arch=False)


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    height, width = args.shape
    info = complexity(cfg, height, width)
    print(f'config: {args.config}')
    print(f'input shape: 3 x {height} x {width}')
    print(f'params: {info["params"] / 1e6:.2f} M')
    print(f'flops: {info["flops"] / 1e9:.2f} GFLOPs')


if __name__ == '__main__':
    main()

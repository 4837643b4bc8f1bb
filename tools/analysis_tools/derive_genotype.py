"""Derive the NPPNet genotype from a search checkpoint and write it as YAML.

python tools/analysis_tools/derive_genotype.py CONFIG CHECKPOINT --out g.yaml
"""
import argparse

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmhtc.apis import trust_local_checkpoints
from mmhtc.models.nas import save_genotype


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the search config')
    parser.add_argument('checkpoint', help='a checkpoint of that search')
    parser.add_argument('--out', required=True, help='the genotype YAML file')
    parser.add_argument(
        '--threshold',
        type=float,
        default=0.7,
        help='cumulative weight kept per interaction node')
    parser.add_argument(
        '--max-ops',
        type=int,
        default=4,
        help='most (edge, op) pairs per interaction node')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args()


def derive(config: str,
           checkpoint: str,
           out: str,
           threshold: float = 0.7,
           max_ops: int = 4,
           cfg_options=None) -> dict:
    """Build the config's model, load the checkpoint, write its genotype."""
    from mmseg.registry import MODELS
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    if not getattr(getattr(model, 'network', None), 'search', ()):
        raise ValueError(f'{config}: the model has no searched part to derive')
    trust_local_checkpoints()
    try:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    except RuntimeError as error:
        raise ValueError(f'{checkpoint} does not match the model of {config} '
                         f'(searched parts, channels and cells must be the '
                         f"search's): {error}") from None
    genotype = model.network.derive(threshold, max_ops)
    save_genotype(genotype, out)
    return genotype


def main() -> None:
    args = parse_args()
    derive(args.config, args.checkpoint, args.out, args.threshold, args.max_ops,
           args.cfg_options)
    print(f'genotype written to {args.out}')


if __name__ == '__main__':
    main()

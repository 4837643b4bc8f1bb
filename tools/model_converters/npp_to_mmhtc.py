"""Convert the authors' NPPNet release (ICCV 2021) to mmhtc's ``NPPNet``.

Example::

    python tools/model_converters/npp_to_mmhtc.py model_best.pth \
        checkpoints/nppnet_c128-l16-release_lip.pth

The target is ``--config`` (default: :data:`DEFAULT_CONFIG`,
``configs/nppnet/nppnet_c128-l16-release_4xb4-120e_lip-384x384.py``, the release's
structure around the published genotype). The tool builds its model, maps every key
of the release's network (``models/model_augment.py``'s ``Network``) onto it and
writes the checkpoint only when every key is mapped, with no missing and no
unexpected key.

The source is what the release's ``augment_lip_sync.py`` saves: a training
checkpoint (its ``best_state_dict``, else its ``state_dict`` with DDP's
``module.`` prefix), or a plain state dict (``final_state.pth``). Of a training
checkpoint only the network is taken: ``epoch``, ``optimizer``, ``lr``,
``perf_iou``, ``perf_pck`` and the loss weights ``cri1`` / ``cri2`` (one per
prediction stage and criterion; mmhtc learns one per task) are dropped, and
mmhtc's loss weights ``weighting.log_vars.*`` start at 0, their initial value.

Release modules and their mmhtc counterparts (``B`` = ``pose`` for the release's
suffix 1, ``parsing`` for 2):

==================================  ===============================================
release                             mmhtc (``network.``)
==================================  ===============================================
stem0-2 (pose), stem3-5 (parsing)   branches.B.stem.{0,1,3,4}, branches.B.stem_s1
cells{1,2}.i.preprocess{0,1}        branches.B.cells.i.pre{0,1}
cells{1,2}.i._ops.k                 branches.B.cells.i.cell.ops.k
upsamples{1,2}.t                    branches.B.decoder.t.{pre0,pre1,cell.ops}
_ops1, _ops2, up_ops1, up_ops2      interactions.task{1,2,3,4}.nodes.t.e.{op,project}
pose_layer, pose_auxlayer           high_level.pose, high_level.pose_aux
par_layer, edge_layer               high_level.parsing, high_level.edge
pose_head.s, pose_auxnet.s          initial (s = 0), final (s = 1): pose, pose_aux
par_head.s, edge_head.s             initial, final: parsing, edge
pose_net.l, par_net.l               fusion.layers.l.pose, fusion.layers.l.par
==================================  ===============================================

Inside the operations: ``net.*`` of ``ReLUConvBN`` and ``DilConvS`` are mmhtc's
``ReLUConvBN`` and ``DilatedConv`` indices; ``PoolBN.bn`` is ``MaxPoolBN.1``;
``SE_Block.conv1`` / ``conv2`` / ``bn`` are ``SEConnect.excite.1`` / ``excite.3`` /
``bn``; ``Pooled_Conv.net.2`` / ``net.3`` are ``PooledConv.conv.1`` / ``conv.2``;
``FactorizedReduce`` keeps its names. An operation the release wraps in a
``Sequential`` (decoding-cell operations on the low-resolution input, followed by
their upsampling; interaction operations followed by a channel map) has its keys
under ``0.``, the interaction's channel map under ``1.1.``.
"""
import argparse
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
from torch import Tensor, nn

#: The config whose model holds the release's structure.
DEFAULT_CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', 'nppnet',
    'nppnet_c128-l16-release_4xb4-120e_lip-384x384.py')
#: Entries of a release training checkpoint that are not the network.
DROPPED = ('epoch', 'optimizer', 'lr', 'perf_iou', 'perf_pck', 'cri1', 'cri2')
#: mmhtc's loss weights, which start at 0 (not in the release's network).
LOSS_WEIGHTS = 'weighting.log_vars.'
BRANCH_SUFFIX = dict(pose=1, parsing=2)
INTERACTION_MODULES = dict(
    task1='_ops1', task2='_ops2', task3='up_ops1', task4='up_ops2')
HIGH_LEVEL_MODULES = dict(
    pose='pose_layer', pose_aux='pose_auxlayer', parsing='par_layer', edge='edge_layer')
HEAD_MODULES = dict(
    pose='pose_head', pose_aux='pose_auxnet', parsing='par_head', edge='edge_head')
FUSION_MODULES = dict(pose='pose_net', par='par_net')
#: mmhtc stem index -> (release stem offset, index inside it).
STEM = {
    'stem.0': (0, 0),
    'stem.1': (0, 1),
    'stem.3': (1, 0),
    'stem.4': (1, 1),
    'stem_s1.0': (2, 0),
    'stem_s1.1': (2, 1)
}


def _op_renames(op: nn.Module) -> List[Tuple[str, str]]:
    """(mmhtc prefix, release prefix) pairs inside one operation."""
    from mmhtc.models.nas.operations import (DilatedConv, MaxPoolBN, PooledConv,
                                             ReLUConvBN, SEConnect)
    if isinstance(op, (ReLUConvBN, DilatedConv)):
        return [('', 'net.')]
    if isinstance(op, MaxPoolBN):
        return [('1.', 'bn.')]
    if isinstance(op, SEConnect):
        return [('excite.1.', 'conv1.'), ('excite.3.', 'conv2.'), ('bn.', 'bn.')]
    if isinstance(op, PooledConv):
        return [('conv.1.', 'net.2.'), ('conv.2.', 'net.3.')]
    return [('', '')]


def _in_op(op: nn.Module, rest: str, wrapped: bool) -> str:
    for ours, theirs in _op_renames(op):
        if rest.startswith(ours):
            return ('0.' if wrapped else '') + theirs + rest[len(ours):]
    raise KeyError(f'npp_to_mmhtc: no release name for {rest} of a '
                   f'{type(op).__name__}')


def release_keys(network: nn.Module) -> Dict[str, str]:
    """The release's name of every state-dict key of ``network`` (the config's
    :class:`NPPNetwork`).

    Raises:
        KeyError: naming a key outside the release's structure.
    """
    modules = dict(network.named_modules())
    return {key: _release_key(key, modules) for key in network.state_dict()}


def _release_key(key: str, modules: Dict[str, nn.Module]) -> str:
    m = re.fullmatch(r'branches\.(\w+)\.(stem(?:_s1)?\.\d+)\.(.+)', key)
    if m and m.group(2) in STEM:
        offset, index = STEM[m.group(2)]
        stem = 3 * (BRANCH_SUFFIX[m.group(1)] - 1) + offset
        return f'stem{stem}.{index}.{m.group(3)}'
    m = re.fullmatch(r'branches\.(\w+)\.cells\.(\d+)\.pre([01])\.(.+)', key)
    if m:
        b, i, p, rest = m.groups()
        pre = modules[f'branches.{b}.cells.{i}.pre{p}']
        return (f'cells{BRANCH_SUFFIX[b]}.{i}.preprocess{p}.' +
                _in_op(pre, rest, False))
    m = re.fullmatch(r'branches\.(\w+)\.cells\.(\d+)\.cell\.ops\.(\d+)\.(.+)', key)
    if m:
        b, i, k, rest = m.groups()
        op = modules[f'branches.{b}.cells.{i}.cell.ops.{k}']
        return f'cells{BRANCH_SUFFIX[b]}.{i}._ops.{k}.' + _in_op(op, rest, False)
    m = re.fullmatch(r'branches\.(\w+)\.decoder\.(\d+)\.pre([01])\.(.+)', key)
    if m:
        b, t, p, rest = m.groups()
        return f'upsamples{BRANCH_SUFFIX[b]}.{t}.preprocess{p}.net.{rest}'
    m = re.fullmatch(r'branches\.(\w+)\.decoder\.(\d+)\.cell\.ops\.(\d+)\.(.+)', key)
    if m:
        b, t, k, rest = m.groups()
        cell = modules[f'branches.{b}.decoder.{t}.cell']
        wrapped = cell.edges[int(k)][1] == 0
        return f'upsamples{BRANCH_SUFFIX[b]}.{t}._ops.{k}.' + _in_op(
            cell.ops[int(k)], rest, wrapped)
    m = re.fullmatch(r'interactions\.(task\d)\.nodes\.(\d+)\.(\d+)\.(op|project)\.(.+)',
                     key)
    if m:
        task, t, e, part, rest = m.groups()
        interaction = modules[f'interactions.{task}']
        flat = sum(len(n) for n in interaction.nodes[:int(t)]) + int(e)
        edge = interaction.nodes[int(t)][int(e)]
        prefix = f'{INTERACTION_MODULES[task]}.{flat}.'
        if part == 'project':
            return prefix + '1.1.' + rest
        return prefix + _in_op(edge.op, rest, edge.project is not None)
    m = re.fullmatch(r'high_level\.(\w+)\.(.+)', key)
    if m:
        return f'{HIGH_LEVEL_MODULES[m.group(1)]}.{m.group(2)}'
    m = re.fullmatch(r'(initial|final)\.(\w+)\.(.+)', key)
    if m:
        stage = 0 if m.group(1) == 'initial' else 1
        return f'{HEAD_MODULES[m.group(2)]}.{stage}.{m.group(3)}'
    m = re.fullmatch(r'fusion\.layers\.(\d+)\.(\w+)\.pre\.(\d)\.(.+)', key)
    if m:
        l, cell, i, rest = m.groups()
        return f'{FUSION_MODULES[cell]}.{l}.preprocess{i}.net.{rest}'
    m = re.fullmatch(r'fusion\.layers\.(\d+)\.(\w+)\.cell\.ops\.(\d+)\.(.+)', key)
    if m:
        l, cell, k, rest = m.groups()
        op = modules[f'fusion.layers.{l}.{cell}.cell.ops.{k}']
        return f'{FUSION_MODULES[cell]}.{l}._ops.{k}.' + _in_op(op, rest, False)
    raise KeyError(f'npp_to_mmhtc: {key} has no counterpart in the release')


def network_state_dict(checkpoint: Dict) -> Dict[str, Tensor]:
    """The release network's state dict in a checkpoint of ``augment_lip_sync.py`` or a
    plain state dict, without ``module.``."""
    if 'best_state_dict' in checkpoint:
        state = checkpoint['best_state_dict']
    elif 'state_dict' in checkpoint:
        state = checkpoint['state_dict']
    else:
        state = checkpoint
    return OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                       for k, v in state.items() if k not in DROPPED)


def convert(release: Dict[str, Tensor], model: nn.Module) -> Dict[str, Tensor]:
    """Map the release network's state dict onto ``model`` (an ``NPPNet`` of the
    release's structure), strictly.

    Returns:
        ``model``'s full state dict.

    Raises:
        KeyError: naming the release keys without a counterpart in ``model``
            and the ``model`` keys the release lacks.
    """
    release = network_state_dict(release)
    names = release_keys(model.network)
    converted = OrderedDict()
    missing = []
    for key, value in model.state_dict().items():
        if key.startswith(LOSS_WEIGHTS):
            converted[key] = torch.zeros_like(value)
            continue
        if not key.startswith('network.'):
            raise KeyError(f'npp_to_mmhtc: {key} has no counterpart in the '
                           'release')
        name = names[key[len('network.'):]]
        if name not in release:
            missing.append(f'{name} (for {key})')
            continue
        if release[name].shape != value.shape:
            raise KeyError(f'npp_to_mmhtc: {name} has shape '
                           f'{tuple(release[name].shape)}, {key} needs '
                           f'{tuple(value.shape)}')
        converted[key] = release[name]
    unexpected = sorted(set(release) - set(names.values()))
    if missing or unexpected:
        raise KeyError(f'npp_to_mmhtc: the release and the model differ; '
                       f'missing in the release: {missing}; release keys '
                       f'without a counterpart: {unexpected}')
    return converted


def build_model(config: str) -> nn.Module:
    """The config's model on the CPU."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmhtc  # noqa: F401
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return MODELS.build(cfg.model)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help="the release's checkpoint")
    parser.add_argument('dst', help='the mmhtc checkpoint to write')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='the NPPNet config of the release structure whose model '
        'receives the weights; default: the LIP release-structure config')
    return parser.parse_args()


def main() -> None:
    from mmhtc.apis import save_converted_checkpoint
    args = parse_args()
    checkpoint = torch.load(args.src, map_location='cpu', weights_only=True)
    model = build_model(args.config)
    state_dict = convert(checkpoint, model)
    model.load_state_dict(state_dict, strict=True)
    save_converted_checkpoint(state_dict, args.dst, 'NPPNet release', args.config)


if __name__ == '__main__':
    main()

"""Convert the authors' CorrPM release (CVPR 2020) to mmhtc's parsing-main HTCorrM.

Example::

    python tools/model_converters/corrpm_to_mmhtc.py LIP_best.pth \
        checkpoints/htcorrm_r101-d16-corrpm_lip.pth

The target is ``--config`` (default: :data:`DEFAULT_CONFIG`,
``configs/htcorrm/htcorrm_r101-d16-corrpm_2xb4-180e_lip-384x384.py``, the release's
structure). The tool builds its model and writes the checkpoint only when every key
matches, with no missing and no unexpected key.

The release is a DeepLabV2-style ResNet-101 (``conv1``-``conv3`` deep stem with 64,
64 and 128 channels, ``layer1``-``layer4``), the ASPP (``layer5``) and decoder
(``layer6``) of the parsing encoder, ``edge_layer``, ``pose_layer``
(``deconv_layers``, ``final_layer``), the hybrid fusion ``conv_fuse``, the
non-local block ``nl_SEP`` (``theta`` query from the hybrid, ``phi`` key and ``g``
value from the parsing feature, ``W``) and ``out_layer``. Its keys map onto the
config's model as follows (``decode_head.core`` is shortened to ``core``):

============================  ==============================================
release                       mmhtc
============================  ==============================================
conv{1,2,3}, bn{1,2,3}        backbone.stem.{0,3,6}, backbone.stem.{1,4,7}
layer1-4 (same block names)   backbone.layer1-4
layer5.conv1.{1,2}            core.encoders.parsing.image_pool.1.{conv,bn}
layer5.conv{2-5}.{0,1}        core.encoders.parsing.aspp.{0-3}.{conv,bn}
layer5.bottleneck.{0,1}       core.encoders.parsing.reduce.0.{conv,bn}
layer6.conv3.{0,1}            core.encoders.parsing.fuse.{conv,bn}
layer6.conv4                  core.predictors.parsing
pose_layer.deconv_layers      core.encoders.pose.layers.{0,1}.{conv,bn}
pose_layer.final_layer        core.predictors.pose
edge_layer.conv{1,2,3}.{0,1}  core.encoders.edge.lateral.{0,1,2}.{conv,bn}
edge_layer.conv6              core.encoders.edge.fuse (``fuse='conv1x1'``)
edge_layer.conv5              core.predictors.edge (2-class -> 1 logit)
conv_fuse.{0,1}               core.hnl.hybrid.{conv,bn} (inputs reordered)
nl_SEP.theta, phi.0, g.0      core.hnl.query, key, value
nl_SEP.W.{0,1}                core.hnl.out.{conv,bn} (conv bias folded in BN)
out_layer                     decode_head.conv_seg
============================  ==============================================

Exact rewrites: InPlace-ABN's ``bias``, ``running_mean`` and ``running_var`` are
BN's (torch's BN loads them without ``num_batches_tracked``); InPlace-ABN scales by
``|weight| + eps`` (eps = 1e-5; the release's pre-1.0 InPlace-ABN in ``libs/`` keeps
the scale positive so that the layer can be inverted), which becomes BN's
``weight``; the pose deconvolutions' BNs are torch's and copied; the two-class
edge classifier becomes one logit, ``w_1 - w_0`` and ``b_1 - b_0`` (the softmax's
edge probability is the sigmoid of the logit difference); the bias of ``W``'s
convolution moves into its BN (``running_mean - bias``), as mmhtc's ``W`` has no
bias before BN; the hybrid's input channels are reordered from the release's
(parsing, edge, pose) to the config's ``core.hybrid``.

What the target config has to share with the release (the default config does):
the stem widths (``model.backbone.stem_channels=128``; mmseg's ResNetV1c default is
64), layer4's dilation 2 in every block (``model.backbone.contract_dilation=False``)
and the release's edge fusion, one 1 x 1 convolution without bias on the
concatenated laterals (``EdgeEncoder`` with ``fuse='conv1x1'``; the paper's
``'conv3x3+1x1'`` has other keys). The release's leaky ReLU (slope 0.01) after the
ASPP, decoder and edge laterals is ``act_cfg`` of those encoders there, the one
after the hybrid's BN (``conv_fuse``) is ``core.hnl.hybrid_act_cfg``, and the edge
laterals are resized with ``align_corners=True`` (``EdgeEncoder``'s
``align_corners``).

Unused release layers are dropped: ``edge_layer.conv4`` (per-level edge logits whose
results the release overwrites), ``layer6.conv1`` and ``layer6.conv2``.
"""
import argparse
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

import torch
from torch import Tensor

#: Order of the features the release concatenates in ``conv_fuse``.
RELEASE_HYBRID = ('parsing', 'edge', 'pose')
#: Backbone settings a config needs to hold the release's weights.
RELEASE_BACKBONE = dict(stem_channels=128, contract_dilation=False)
#: The config whose model holds the release's structure.
DEFAULT_CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', 'htcorrm',
    'htcorrm_r101-d16-corrpm_2xb4-180e_lip-384x384.py')
#: Release layers without a counterpart (see the module docstring).
DROPPED = ('edge_layer.conv4.', 'layer6.conv1.', 'layer6.conv2.')
#: The epsilon of the release's InPlace-ABN, added to the absolute scale.
ABN_EPS = 1e-5
#: Release layers with torch's BN rather than InPlace-ABN.
PLAIN_BN = ('pose_layer.', )
HEAD = 'decode_head.'
CORE = 'decode_head.core.'


def _rename_table() -> List[Tuple[str, str]]:
    """(release prefix, mmhtc prefix) pairs of the one-to-one renamings."""
    parsing = CORE + 'encoders.parsing.'
    table = [(f'{conv}.', f'backbone.stem.{i}.')
             for conv, i in (('conv1', 0), ('bn1', 1), ('conv2', 3), ('bn2', 4),
                             ('conv3', 6), ('bn3', 7))]
    table += [(f'layer{i}.', f'backbone.layer{i}.') for i in range(1, 5)]
    table += [('layer5.conv1.1.', parsing + 'image_pool.1.conv.'),
              ('layer5.conv1.2.', parsing + 'image_pool.1.bn.')]
    for i in range(4):
        table += [(f'layer5.conv{i + 2}.0.', f'{parsing}aspp.{i}.conv.'),
                  (f'layer5.conv{i + 2}.1.', f'{parsing}aspp.{i}.bn.')]
    table += [('layer5.bottleneck.0.', parsing + 'reduce.0.conv.'),
              ('layer5.bottleneck.1.', parsing + 'reduce.0.bn.'),
              ('layer6.conv3.0.', parsing + 'fuse.conv.'),
              ('layer6.conv3.1.', parsing + 'fuse.bn.'),
              ('layer6.conv4.', CORE + 'predictors.parsing.')]
    pose = CORE + 'encoders.pose.layers.'
    table += [('pose_layer.deconv_layers.0.', pose + '0.conv.'),
              ('pose_layer.deconv_layers.1.', pose + '0.bn.'),
              ('pose_layer.deconv_layers.3.', pose + '1.conv.'),
              ('pose_layer.deconv_layers.4.', pose + '1.bn.'),
              ('pose_layer.final_layer.', CORE + 'predictors.pose.')]
    for i in range(3):
        lateral = f'{CORE}encoders.edge.lateral.{i}.'
        table += [(f'edge_layer.conv{i + 1}.0.', lateral + 'conv.'),
                  (f'edge_layer.conv{i + 1}.1.', lateral + 'bn.')]
    table += [('edge_layer.conv6.', CORE + 'encoders.edge.fuse.')]
    hnl = CORE + 'hnl.'
    table += [('conv_fuse.1.', hnl + 'hybrid.bn.'), ('nl_SEP.theta.', hnl + 'query.'),
              ('nl_SEP.phi.0.', hnl + 'key.'), ('nl_SEP.g.0.', hnl + 'value.'),
              ('nl_SEP.W.1.', hnl + 'out.bn.'), ('out_layer.', HEAD + 'conv_seg.')]
    return table


def convert(
    release: Dict[str, Tensor], hybrid: Sequence[str] = ('parsing', 'pose', 'edge')
) -> Dict[str, Tensor]:
    """Map a CorrPM state dict onto mmhtc's parsing-main HTCorrM.

    Args:
        release: The release's state dict (a ``module.`` prefix is removed).
        hybrid: The config's ``core.hybrid``: the order of the hybrid's inputs.

    Returns:
        The mmhtc state dict.

    Raises:
        KeyError: naming a release key without a mapping, or a missing one.
    """
    if sorted(hybrid) != sorted(RELEASE_HYBRID):
        raise ValueError(f'corrpm_to_mmhtc: the hybrid must hold parsing, edge '
                         f'and pose once each, got {tuple(hybrid)}')
    release = OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                          for k, v in release.items())
    table = _rename_table()
    special = ('edge_layer.conv5.', 'conv_fuse.0.', 'nl_SEP.W.0.')
    converted = OrderedDict()
    for key, value in release.items():
        if key.startswith(DROPPED) or key.startswith(special):
            continue
        for old, new in table:
            if key.startswith(old):
                converted[new + key[len(old):]] = _abn_scale(key, value)
                break
        else:
            raise KeyError(f'corrpm_to_mmhtc: no mapping for release key {key}')
    _convert_special(release, converted, hybrid)
    return converted


def _abn_scale(key: str, value: Tensor) -> Tensor:
    """InPlace-ABN's scale as BN's weight: ``|weight| + eps``; other tensors as they
    are.

    Norm weights are the release's only one-dimensional weights.
    """
    if (key.endswith('.weight') and value.dim() == 1 and not key.startswith(PLAIN_BN)):
        return value.abs() + ABN_EPS
    return value


def _get(release: Dict[str, Tensor], key: str) -> Tensor:
    if key not in release:
        raise KeyError(f'corrpm_to_mmhtc: the release has no {key}')
    return release[key]


def _convert_special(release: Dict[str, Tensor], converted: Dict[str, Tensor],
                     hybrid: Sequence[str]) -> None:
    """The rewrites that are not renamings: edge logit, hybrid order, W bias."""
    weight = _get(release, 'edge_layer.conv5.weight')
    bias = _get(release, 'edge_layer.conv5.bias')
    converted[CORE + 'predictors.edge.weight'] = (weight[1] - weight[0])[None]
    converted[CORE + 'predictors.edge.bias'] = (bias[1] - bias[0])[None]
    fuse = _get(release, 'conv_fuse.0.weight')
    chunks = dict(zip(RELEASE_HYBRID, fuse.chunk(len(RELEASE_HYBRID), dim=1)))
    converted[CORE + 'hnl.hybrid.conv.weight'] = torch.cat(
        [chunks[task] for task in hybrid], dim=1)
    converted[CORE + 'hnl.out.conv.weight'] = _get(release, 'nl_SEP.W.0.weight')
    mean = CORE + 'hnl.out.bn.running_mean'
    if mean not in converted:
        raise KeyError('corrpm_to_mmhtc: the release has no '
                       'nl_SEP.W.1.running_mean')
    converted[mean] = converted[mean] - _get(release, 'nl_SEP.W.0.bias')


def check_against_config(state_dict: Dict[str, Tensor],
                         config: str) -> Tuple[List[str], List[str]]:
    """Missing and unexpected keys of ``state_dict`` in the config's model.

    Raises:
        ValueError: naming the config and the backbone setting that differs
            from :data:`RELEASE_BACKBONE`.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmhtc  # noqa: F401
    cfg = Config.fromfile(config)
    backbone = cfg.model.backbone
    for name, value in RELEASE_BACKBONE.items():
        if backbone.get(name) != value:
            raise ValueError(
                f'corrpm_to_mmhtc: {config} sets model.backbone.{name}='
                f'{backbone.get(name)!r}; the release needs {value!r} (see '
                f'{osp.basename(DEFAULT_CONFIG)})')
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    result = model.load_state_dict(state_dict, strict=False)
    return list(result.missing_keys), list(result.unexpected_keys)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help="the release's checkpoint")
    parser.add_argument('dst', help='the mmhtc checkpoint to write')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='the parsing-main DeepLabV2 config whose model receives the '
        'weights (its core.hybrid gives the hybrid order); default: the '
        'release-structure LIP config')
    return parser.parse_args()


def main() -> None:
    from mmhtc.apis import save_converted_checkpoint
    args = parse_args()
    from mmengine.config import Config
    checkpoint = torch.load(args.src, map_location='cpu', weights_only=True)
    release = checkpoint.get('state_dict', checkpoint)
    hybrid = Config.fromfile(args.config).model.decode_head.core.get(
        'hybrid', ('parsing', 'pose', 'edge'))
    state_dict = convert(release, hybrid)
    missing, unexpected = check_against_config(state_dict, args.config)
    if missing or unexpected:
        raise SystemExit(f'corrpm_to_mmhtc: {args.config} does not hold the '
                         f'release; missing: {missing}; unexpected: '
                         f'{unexpected}')
    save_converted_checkpoint(state_dict, args.dst, 'CorrPM release', args.config)


if __name__ == '__main__':
    main()

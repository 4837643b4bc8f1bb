"""The task feature encoders of HTCorrM (Sec. 3.2).

Each encoder turns backbone features into a task feature of C channels at the size of
the low-level feature G1, so that the three task features can be correlated pixel by
pixel. With ``with_cp=True`` an encoder's activations are not kept while training
but recomputed in the backward pass (activation checkpointing, as OpenMMLab
backbones' ``with_cp``).
"""
from typing import Optional, Sequence, Tuple

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.models.utils import resize
from torch import Tensor, nn

from ...registry import POSE_MODELS, SEG_MODELS, register_into
from .hnl import checkpointed


@register_into(SEG_MODELS, POSE_MODELS)
class ParsingEncoder(BaseModule):
    """ASPP on a deep feature, upsampled and joined with the low-level feature G1.

    Five ASPP branches (global pooling, 1 x 1, 3 x 3 with dilations 12, 24, 36) are
    concatenated and reduced to ``channels`` (with dropout), upsampled to G1's size,
    concatenated with G1 and fused by a 1 x 1 convolution: :math:`F_p`.

    Args:
        in_channels: Channels of (deep feature, G1).
        channels: C, the output channels (paper: 512).
        aspp_channels: Channels of each ASPP branch. Default: 256.
        dilations: Dilations of the 3 x 3 ASPP branches. Default: (12, 24, 36).
        dropout: Dropout after the ASPP reduction. Default: 0.1.
        norm_cfg, act_cfg: Normalisation and activation of the convolutions.
        with_cp: Activation checkpointing while training. Default: False.
    """

    def __init__(self,
                 in_channels: Tuple[int, int],
                 channels: int,
                 aspp_channels: int = 256,
                 dilations: Sequence[int] = (12, 24, 36),
                 dropout: float = 0.1,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.with_cp = with_cp
        deep_channels, low_channels = in_channels
        conv = dict(
            norm_cfg=norm_cfg or dict(type='BN'), act_cfg=act_cfg or dict(type='ReLU'))
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), ConvModule(deep_channels, aspp_channels, 1,
                                                **conv))
        self.aspp = ASPPModule((1, ) + tuple(dilations), deep_channels, aspp_channels,
                               None, **conv)
        self.reduce = nn.Sequential(
            ConvModule((len(dilations) + 2) * aspp_channels, channels, 1, **conv),
            nn.Dropout2d(dropout))
        self.fuse = ConvModule(channels + low_channels, channels, 1, **conv)

    def forward(self, deep: Tensor, low: Tensor) -> Tensor:
        """(B, C_deep, h, w), (B, C_low, H, W) -> F_p (B, C, H, W)."""
        return checkpointed(self, self._encode, deep, low)

    def _encode(self, deep: Tensor, low: Tensor) -> Tensor:
        pooled = resize(self.image_pool(deep), deep.shape[2:], mode='bilinear')
        context = self.reduce(torch.cat([pooled] + self.aspp(deep), 1))
        context = resize(context, low.shape[2:], mode='bilinear')
        return self.fuse(torch.cat([context, low], 1))


@register_into(SEG_MODELS, POSE_MODELS)
class PoseEncoder(BaseModule):
    """Two 4 x 4 stride-2 transposed convolutions (SimpleBaseline), or two 3 x 3
    convolutions (HTCorrM Tab. 10a, ``mode='conv'``), at G1's size: F_k.

    ``mode='deconv+conv'`` is one transposed convolution then one 3 x 3
    convolution (x2 upsampling), for a backbone whose deepest feature is at
    twice G1's stride (BDCN: ID block 5 at 1/8, G1 at 1/4). The layers must give
    G1's size exactly (the deconvolutions a feature at 1/16 of the input when G1
    is at 1/4: inputs padded to the network's stride); any other size is an
    error, never resized.

    Args:
        in_channels: Channels of the input feature.
        channels: C, the output channels.
        mid_channels: Channels after the first layer. Default: 256.
        mode: ``'deconv'`` (x4 upsampling), ``'deconv+conv'`` (x2) or
            ``'conv'``. Default: 'deconv'.
        norm_cfg, act_cfg: Normalisation and activation after each layer.
        with_cp: Activation checkpointing while training. Default: False.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 mid_channels: int = 256,
                 mode: str = 'deconv',
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.with_cp = with_cp
        kinds = dict(deconv=('deconv', 'deconv'), conv=('conv', 'conv'))
        kinds['deconv+conv'] = ('deconv', 'conv')
        if mode not in kinds:
            raise ValueError(f'PoseEncoder: mode must be one of {tuple(kinds)}, '
                             f'got {mode!r}')
        common = dict(
            norm_cfg=norm_cfg or dict(type='BN'),
            act_cfg=act_cfg or dict(type='ReLU'),
            bias=False)
        shapes = dict(
            deconv=dict(
                kernel_size=4, stride=2, padding=1, conv_cfg=dict(type='deconv')),
            conv=dict(kernel_size=3, padding=1))
        first, second = kinds[mode]
        self.layers = nn.Sequential(
            ConvModule(in_channels, mid_channels, **common, **shapes[first]),
            ConvModule(mid_channels, channels, **common, **shapes[second]))

    def forward(self, x: Tensor, size: Tuple[int, int]) -> Tensor:
        """(B, C_in, h, w) -> F_k (B, C, *size).

        Raises:
            ValueError: If the layers do not give ``size`` (G1's).
        """
        out = checkpointed(self, self.layers, x)
        if out.shape[2:] != tuple(size):
            raise ValueError(
                f'PoseEncoder: its {tuple(x.shape[2:])} input gives a '
                f'{tuple(out.shape[2:])} feature, but the task features are '
                f'{tuple(size)} (G1); pad the network input to its stride '
                "(the data preprocessor's size_divisor)")
        return out


@register_into(SEG_MODELS, POSE_MODELS)
class EdgeEncoder(BaseModule):
    """Edge feature F_b from low to high backbone levels (G1, G2, G3).

    ``mode='multi'`` (the paper's): a 1 x 1 convolution per level to
    ``mid_channels``, bilinear resizing to one size (G1's by default),
    concatenation, then the fusion ``fuse`` to C channels:

    - ``'conv3x3+1x1'`` (the paper's "one 3 x 3 and one 1 x 1"): a 3 x 3
      convolution to ``mid_channels`` with normalisation and activation, then a
      1 x 1 convolution with bias;
    - ``'conv1x1'`` (the authors' CorrPM release, ``edge_layer.conv6``): one 1 x 1
      convolution without bias, normalisation or activation.

    ``mode='single'`` (HTCorrM Tab. 10b, "conv x 1"): one 3 x 3 convolution on the
    last level only, resized.

    Args:
        in_channels: Channels of the levels (G1, G2, G3).
        channels: C, the output channels.
        mid_channels: Channels per level after the 1 x 1 convolutions. Default: 256.
        mode: ``'multi'`` or ``'single'``. Default: 'multi'.
        fuse: Fusion of the concatenated levels with ``mode='multi'``:
            ``'conv3x3+1x1'`` or ``'conv1x1'``. Default: 'conv3x3+1x1'.
        norm_cfg, act_cfg: Normalisation and activation of the convolutions.
        align_corners: Of the bilinear resizing. Default: False (the CorrPM
            release resizes its edge laterals with True).
        with_cp: Activation checkpointing while training. Default: False.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int,
                 mid_channels: int = 256,
                 mode: str = 'multi',
                 fuse: str = 'conv3x3+1x1',
                 align_corners: bool = False,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mode not in ('multi', 'single'):
            raise ValueError(f"EdgeEncoder: mode must be 'multi' or 'single', "
                             f'got {mode!r}')
        if fuse not in ('conv3x3+1x1', 'conv1x1'):
            raise ValueError("EdgeEncoder: fuse must be 'conv3x3+1x1' or "
                             f"'conv1x1', got {fuse!r}")
        if mode == 'single' and fuse != 'conv3x3+1x1':
            raise ValueError(f"EdgeEncoder: fuse={fuse!r} needs mode='multi' "
                             "(mode='single' has no fusion)")
        self.mode = mode
        self.align_corners = align_corners
        self.with_cp = with_cp
        conv = dict(
            norm_cfg=norm_cfg or dict(type='BN'), act_cfg=act_cfg or dict(type='ReLU'))
        if mode == 'single':
            self.single = ConvModule(in_channels[-1], channels, 3, padding=1, **conv)
            return
        self.lateral = nn.ModuleList(
            ConvModule(c, mid_channels, 1, **conv) for c in in_channels)
        concat_channels = mid_channels * len(in_channels)
        if fuse == 'conv1x1':
            self.fuse = nn.Conv2d(concat_channels, channels, 1, bias=False)
            return
        self.fuse = nn.Sequential(
            ConvModule(concat_channels, mid_channels, 3, padding=1, **conv),
            nn.Conv2d(mid_channels, channels, 1))

    def forward(self,
                levels: Sequence[Tensor],
                size: Optional[Tuple[int, int]] = None) -> Tensor:
        """Levels (B, C_i, H_i, W_i), G1 first -> F_b (B, C, *size); ``size`` defaults
        to G1's."""
        size = tuple(size or levels[0].shape[2:])
        return checkpointed(self, lambda *x: self._encode(x, size), *levels)

    def _encode(self, levels: Sequence[Tensor], size: Tuple[int, int]) -> Tensor:
        if self.mode == 'single':
            return resize(
                self.single(levels[-1]),
                size,
                mode='bilinear',
                align_corners=self.align_corners)
        outs = [
            resize(conv(x), size, mode='bilinear', align_corners=self.align_corners)
            for conv, x in zip(self.lateral, levels)
        ]
        return self.fuse(torch.cat(outs, 1))

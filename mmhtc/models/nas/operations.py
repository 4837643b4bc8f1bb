"""The candidate operations of NPPNet's search spaces.

Every operation maps (B, C, H, W) to (B, C, H / stride, W / stride) and is
pre-activation (ReLU -> conv -> BN), as in DARTS and the NPPNet release.

``op_cfg`` (a dict, default the paper's reading) selects the release's variants
where the paper is silent: ``se_reduce`` ('factorized' or 'avg_pool', see
:class:`SEConnect`), ``pooled_conv_bias`` (the pooled conv's convolution has a
bias) and ``align_corners`` (of the pooled conv's upsampling).
"""
from typing import Callable, Dict, Optional, Tuple

import torch
from mmcv.cnn import build_norm_layer
from torch import Tensor, nn
from torch.nn import functional as F

#: The norm layer of every operation unless a config sets another.
DEFAULT_NORM = dict(type='BN')


def norm_layer(norm_cfg: Optional[dict], channels: int) -> nn.Module:
    """The normalisation layer of ``norm_cfg`` (default BN) on ``channels``."""
    return build_norm_layer(norm_cfg or DEFAULT_NORM, channels)[1]


class ReLUConvBN(nn.Sequential):
    """ReLU, a k x k convolution and BN."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int = 1,
                 norm_cfg: Optional[dict] = None,
                 bias: bool = False) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size,
                stride,
                kernel_size // 2,
                bias=bias), norm_layer(norm_cfg, out_channels))


class DilatedConv(nn.Sequential):
    """ReLU, a depthwise dilated 3 x 3 convolution, a pointwise 1 x 1 one, BN."""

    def __init__(self,
                 channels: int,
                 stride: int,
                 dilation: int,
                 norm_cfg: Optional[dict] = None) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                channels,
                channels,
                3,
                stride,
                dilation,
                dilation=dilation,
                groups=channels,
                bias=False), nn.Conv2d(channels, channels, 1, bias=False),
            norm_layer(norm_cfg, channels))


class FactorizedReduce(nn.Module):
    """Halves the resolution: two 1 x 1 stride-2 convolutions on offset grids."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 norm_cfg: Optional[dict] = None) -> None:
        super().__init__()
        half = out_channels // 2
        self.relu = nn.ReLU(inplace=False)
        self.conv1 = nn.Conv2d(in_channels, half, 1, 2, bias=False)
        self.conv2 = nn.Conv2d(in_channels, out_channels - half, 1, 2, bias=False)
        self.bn = norm_layer(norm_cfg, out_channels)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(x)
        shifted = F.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        return self.bn(torch.cat((self.conv1(x), self.conv2(shifted)), 1))


class MaxPoolBN(nn.Sequential):
    """3 x 3 max-pooling followed by BN."""

    def __init__(self,
                 channels: int,
                 stride: int,
                 norm_cfg: Optional[dict] = None) -> None:
        super().__init__(nn.MaxPool2d(3, stride, 1), norm_layer(norm_cfg, channels))


class SEConnect(nn.Module):
    """SE connect: channel re-weighting by a squeeze-and-excitation branch
    (global pooling, 1 x 1 C -> C/2, ReLU, 1 x 1 C/2 -> C, sigmoid).

    With stride 2 the re-weighted map is then reduced: by
    :class:`FactorizedReduce` (``reduce='factorized'``, the default) or by 2 x 2
    average pooling and the norm layer (``'avg_pool'``, the authors' release,
    which builds that norm layer, unused, at stride 1 too).
    """

    def __init__(self,
                 channels: int,
                 stride: int,
                 norm_cfg: Optional[dict] = None,
                 reduce: str = 'factorized') -> None:
        super().__init__()
        if reduce not in ('factorized', 'avg_pool'):
            raise ValueError(f"SEConnect: reduce must be 'factorized' or "
                             f"'avg_pool', got {reduce!r}")
        hidden = max(channels // 2, 1)
        self.stride = stride
        self.excite = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels, hidden, 1),
            nn.ReLU(inplace=False), nn.Conv2d(hidden, channels, 1), nn.Sigmoid())
        self.reduce = FactorizedReduce(
            channels, channels,
            norm_cfg) if stride == 2 and reduce == 'factorized' else None
        self.bn = norm_layer(norm_cfg, channels) if reduce == 'avg_pool' else None

    def forward(self, x: Tensor) -> Tensor:
        x = x * self.excite(x)
        if self.stride == 1:
            return x
        if self.reduce is not None:
            return self.reduce(x)
        return self.bn(F.avg_pool2d(x, 2, 2, ceil_mode=True))


class PooledConv(nn.Module):
    """Pooled conv: 2 x 2 average pooling, ReLU, 3 x 3 conv (with a bias when
    ``bias``), BN, then bilinear upsampling back to the input size (to half of
    it with stride 2)."""

    def __init__(self,
                 channels: int,
                 stride: int,
                 norm_cfg: Optional[dict] = None,
                 bias: bool = False,
                 align_corners: bool = False) -> None:
        super().__init__()
        self.stride = stride
        self.align_corners = align_corners
        self.pool = nn.AvgPool2d(2, 2, ceil_mode=True)
        self.conv = ReLUConvBN(channels, channels, 3, norm_cfg=norm_cfg, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        size = (-(-x.shape[2] // self.stride), -(-x.shape[3] // self.stride))
        y = self.conv(self.pool(x))
        if y.shape[2:] == size:
            return y
        return F.interpolate(y, size, mode='bilinear', align_corners=self.align_corners)


class Identity(nn.Module):
    """Skip connection (identity)."""

    def forward(self, x: Tensor) -> Tensor:
        return x


def _skip(channels: int, stride: int, norm_cfg: Optional[dict],
          op_cfg: dict) -> nn.Module:
    return Identity() if stride == 1 else FactorizedReduce(channels, channels, norm_cfg)


#: Operation name -> factory(channels, stride, norm_cfg, op_cfg).
OPS: Dict[str, Callable[[int, int, Optional[dict], dict], nn.Module]] = {
    'std3':
    lambda c, s, n, o: ReLUConvBN(c, c, 3, s, n),
    'std1':
    lambda c, s, n, o: ReLUConvBN(c, c, 1, s, n),
    'dil3_r2':
    lambda c, s, n, o: DilatedConv(c, s, 2, n),
    'dil3_r4':
    lambda c, s, n, o: DilatedConv(c, s, 4, n),
    'maxpool3':
    lambda c, s, n, o: MaxPoolBN(c, s, n),
    'skip':
    _skip,
    'se':
    lambda c, s, n, o: SEConnect(c, s, n, o.get('se_reduce', 'factorized')),
    'pooled_conv':
    lambda c, s, n, o: PooledConv(c, s, n, o.get('pooled_conv_bias', False),
                                  o.get('align_corners', False)),
}

#: The keys of ``op_cfg``.
OP_CFG_KEYS = ('se_reduce', 'pooled_conv_bias', 'align_corners')

#: The encoder-decoder search space (NPPNet Sec. 3.2).
ENCODER_DECODER_OPS: Tuple[str, ...] = ('std3', 'se', 'dil3_r4', 'dil3_r2', 'std1',
                                        'maxpool3', 'skip')
#: The interaction and fusion search space: pooled conv in place of skip.
INTERACTION_FUSION_OPS: Tuple[str, ...] = ('std3', 'dil3_r4', 'se', 'maxpool3',
                                           'dil3_r2', 'std1', 'pooled_conv')


def build_op(name: str,
             channels: int,
             stride: int = 1,
             norm_cfg: Optional[dict] = None,
             op_cfg: Optional[dict] = None) -> nn.Module:
    """The operation ``name`` on ``channels`` channels with ``stride``, the norm layer
    of ``norm_cfg`` (default BN) and the variants of ``op_cfg``."""
    if name not in OPS:
        raise ValueError(f'unknown NPPNet operation {name!r}; expected one of '
                         f'{sorted(OPS)}')
    unknown = set(op_cfg or {}) - set(OP_CFG_KEYS)
    if unknown:
        raise ValueError(f'NPPNet op_cfg: unknown keys {sorted(unknown)}; '
                         f'expected some of {OP_CFG_KEYS}')
    return OPS[name](channels, stride, norm_cfg, op_cfg or {})

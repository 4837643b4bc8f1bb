"""BDCN: Bi-Directional Cascade Network for edge detection (CVPR 2019)."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, constant_init, normal_init
from torch import Tensor

from ...registry import POSE_MODELS, SEG_MODELS, register_into

ConfigType = Optional[Union[dict, List[dict]]]


class SEM(BaseModule):
    """Scale Enhancement Module (``MSBlock`` in the BDCN code).

    A 3x3 conv to ``channels`` + ReLU, then three parallel 3x3 convs with
    dilations ``rate * 1``, ``rate * 2``, ``rate * 3`` + ReLU, whose outputs
    are summed with their common input. Spatial size is kept.

    Args:
        in_channels (int): Channels of the input.
        channels (int): Channels of the output. Default: 32.
        rate (int): Dilation step of the parallel branches. Default: 4.
        norm_cfg (dict, optional): Norm layer after each conv; None for none,
            as in BDCN. Default: None.
        init_cfg (dict or list[dict], optional): Initialization config.
            Default: None.

    Shapes:
        - input: :math:`(N, C_{in}, H, W)`
        - output: :math:`(N, channels, H, W)`
    """

    def __init__(self,
                 in_channels: int,
                 channels: int = 32,
                 rate: int = 4,
                 norm_cfg: Optional[dict] = None,
                 init_cfg: ConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.conv = ConvModule(
            in_channels, channels, 3, padding=1, norm_cfg=norm_cfg)
        self.branches = nn.ModuleList(
            ConvModule(
                channels,
                channels,
                3,
                padding=rate * k,
                dilation=rate * k,
                norm_cfg=norm_cfg) for k in (1, 2, 3))

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""
        x = self.conv(x)
        return x + sum(branch(x) for branch in self.branches)


class IDBlockSide(BaseModule):
    """The side branch of one Incremental Detection block of BDCN.

    Each conv layer output of the block goes through a :class:`SEM` and a 1x1
    conv to ``side_channels``; the results are summed, and two 1x1 convs give
    the block's shallow-to-deep (s2d) and deep-to-shallow (d2s) edge logits.
    The 1x1 convs are initialized from :math:`N(0, 0.01^2)` as in BDCN's code
    (the SEM convs get :class:`~mmcv.cnn.ConvModule`'s Kaiming init).

    Args:
        in_channels (int): Channels of the block's conv layers.
        num_convs (int): Number of conv layers in the block.
        sem_channels (int): Output channels of the SEMs. Default: 32.
        side_channels (int): Channels of the summed side feature. Default: 21.
        sem_rate (int): Dilation step of the SEMs. Default: 4.
        norm_cfg (dict, optional): Norm layer of the SEM convs. Default: None.
        init_cfg (dict or list[dict], optional): Initialization config.
            Default: None.

    Shapes:
        - input: ``num_convs`` tensors :math:`(N, C_{in}, H, W)`
        - output: two tensors :math:`(N, 1, H, W)`, s2d and d2s logits
    """

    def __init__(self,
                 in_channels: int,
                 num_convs: int,
                 sem_channels: int = 32,
                 side_channels: int = 21,
                 sem_rate: int = 4,
                 norm_cfg: Optional[dict] = None,
                 init_cfg: ConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.sems = nn.ModuleList(
            SEM(in_channels, sem_channels, sem_rate, norm_cfg)
            for _ in range(num_convs))
        self.downs = nn.ModuleList(
            nn.Conv2d(sem_channels, side_channels, 1)
            for _ in range(num_convs))
        self.score_s2d = nn.Conv2d(side_channels, 1, 1)
        self.score_d2s = nn.Conv2d(side_channels, 1, 1)
        for conv in [*self.downs, self.score_s2d, self.score_d2s]:
            normal_init(conv, std=0.01)

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Forward function."""
        side = sum(
            down(sem(feat))
            for sem, down, feat in zip(self.sems, self.downs, feats))
        return self.score_s2d(side), self.score_d2s(side)


@register_into(SEG_MODELS, POSE_MODELS)
class BDCN(BaseModule):
    """BDCN backbone: a VGG16 trunk in five Incremental Detection (ID) blocks.

    Paper: `Bi-Directional Cascade Network for Perceptual Edge Detection
    <https://arxiv.org/abs/1902.10903>`_ (He et al., CVPR 2019). HTCorrM uses
    it as the edge-task backbone, with ID blocks 2, 3 and 4 as its features
    G1, G2, G3.

    The trunk is VGG16's conv1_1 .. conv5_3 (3x3 convs + ReLU). Max-pools
    (2x2, stride 2, ceil mode) follow stages 1-3; pool4 has stride 1 and stage
    5 uses dilation 2, so stage 5 stays at 1/8. BDCN's code uses a 2x2 pool4,
    which drops a row and a column; here pool4 is 3x3 with padding 1, which
    keeps the size and the alignment with stage 4. ID block ``i`` (0-based) is
    VGG stage ``i + 1``:

    ======  =====  ========  ======
    block   convs  channels  stride
    ======  =====  ========  ======
    0       2      64        1
    1       2      128       2
    2       3      256       4
    3       3      512       8
    4       3      512       8
    ======  =====  ========  ======

    The feature of an ID block is its trunk output (the ReLU output of the
    stage's last conv, before pooling): the features that the block's SEMs
    read, richer than the block's 21-channel side features, as HTCorrM's
    encoders need. A stride-``s`` feature of an ``H x W`` input is
    ``ceil(H / s) x ceil(W / s)``.

    With ``with_side_outputs=True`` BDCN's edge branches are built: every conv
    of a block feeds a :class:`SEM`, and each block gives an s2d and a d2s
    logit map (see :class:`IDBlockSide`), bilinearly resized to the input size.
    The bi-directional cascade adds to each s2d map the detached s2d maps of
    the shallower blocks, and to each d2s map the detached d2s maps of the
    deeper blocks, so that each block learns only its own scale, as in BDCN's
    code; a 1x1 conv, with weights initialized to 0.08 as in BDCN's code, fuses
    the 10 maps. Without side outputs these branches are not built, so that no
    parameters go unused.

    Args:
        in_channels (int): Number of input image channels. Default: 3.
        out_indices (Sequence[int]): 0-based ID blocks whose features are
            output. Default: (1, 2, 3), HTCorrM's G1, G2, G3.
        sem_channels (int): Output channels of the SEMs. Default: 32.
        side_channels (int): Channels of a block's summed side feature.
            Default: 21.
        sem_rate (int): Dilation step of the SEM branches (dilations ``rate``,
            ``2 * rate``, ``3 * rate``). Default: 4.
        with_side_outputs (bool): Whether to build the edge branches and append
            the list of BDCN's 11 edge logits to the outputs. Default: False.
        norm_cfg (dict, optional): Norm layer after each 3x3 conv of the trunk
            and the SEMs, e.g. ``dict(type='BN')``; None for none, as in VGG16.
            Default: None.
        init_cfg (dict or list[dict], optional): Initialization config, e.g.
            ``dict(type='Pretrained', checkpoint=...)``. Default: None.

    Shapes:
        - input: :math:`(N, C_{in}, H, W)`
        - output: for each index ``i`` in ``out_indices``,
          :math:`(N, C_i, \\lceil H / s_i \\rceil, \\lceil W / s_i \\rceil)`
          with ``C_i, s_i`` from the table; with side outputs, last a list of
          11 :math:`(N, 1, H, W)` logits: s2d of blocks 0-4, d2s of blocks
          0-4, fused.

    Example:
        >>> from mmhtc.models.backbones import BDCN
        >>> import torch
        >>> self = BDCN(out_indices=(1, 2, 3)).eval()
        >>> inputs = torch.rand(1, 3, 64, 64)
        >>> level_outputs = self.forward(inputs)
        >>> for level_out in level_outputs:
        ...     print(tuple(level_out.shape))
        (1, 128, 32, 32)
        (1, 256, 16, 16)
        (1, 512, 8, 8)
    """

    #: (number of convs, channels) of the five VGG16 stages.
    arch_settings = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
    #: Output stride of each stage.
    strides = (1, 2, 4, 8, 8)

    def __init__(self,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (1, 2, 3),
                 sem_channels: int = 32,
                 side_channels: int = 21,
                 sem_rate: int = 4,
                 with_side_outputs: bool = False,
                 norm_cfg: Optional[dict] = None,
                 init_cfg: ConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        num_blocks = len(self.arch_settings)
        for index in out_indices:
            if not 0 <= index < num_blocks:
                raise ValueError(f'out_indices must be in [0, {num_blocks}), '
                                 f'got {tuple(out_indices)}')
        self.out_indices = tuple(out_indices)
        self.with_side_outputs = with_side_outputs
        self.out_channels = [self.arch_settings[i][1] for i in out_indices]

        self.pools = nn.ModuleList([
            nn.MaxPool2d(2, stride=2, ceil_mode=True),
            nn.MaxPool2d(2, stride=2, ceil_mode=True),
            nn.MaxPool2d(2, stride=2, ceil_mode=True),
            nn.MaxPool2d(3, stride=1, padding=1),
        ])
        self.stages = nn.ModuleList()
        for i, (num_convs, channels) in enumerate(self.arch_settings):
            dilation = 2 if i == 4 else 1
            self.stages.append(
                nn.ModuleList(
                    ConvModule(
                        in_channels if j == 0 else channels,
                        channels,
                        3,
                        padding=dilation,
                        dilation=dilation,
                        norm_cfg=norm_cfg) for j in range(num_convs)))
            in_channels = channels

        if with_side_outputs:
            self.sides = nn.ModuleList(
                IDBlockSide(channels, num_convs, sem_channels, side_channels,
                            sem_rate, norm_cfg)
                for num_convs, channels in self.arch_settings)
            self.fuse = nn.Conv2d(2 * num_blocks, 1, 1)
            constant_init(self.fuse, 0.08)

    def forward(self, x: Tensor) -> tuple:
        """Forward function.

        Args:
            x (Tensor): Images of shape :math:`(N, C_{in}, H, W)`.

        Returns:
            tuple: The features of the ID blocks in ``out_indices``, followed,
            with side outputs, by the list of 11 edge logits at input size.
        """
        size = x.shape[2:]
        feats, s2d, d2s = [], [], []
        for i, stage in enumerate(self.stages):
            if i > 0:
                x = self.pools[i - 1](x)
            conv_outs = []
            for conv in stage:
                x = conv(x)
                conv_outs.append(x)
            feats.append(x)
            if self.with_side_outputs:
                for logits, store in zip(self.sides[i](conv_outs),
                                         (s2d, d2s)):
                    store.append(
                        F.interpolate(
                            logits,
                            size=size,
                            mode='bilinear',
                            align_corners=False))
        outs = [feats[i] for i in self.out_indices]
        if self.with_side_outputs:
            outs.append(self._cascade(s2d, d2s))
        return tuple(outs)

    def _cascade(self, s2d: List[Tensor], d2s: List[Tensor]) -> List[Tensor]:
        """Bi-directional cascade and fusion of the blocks' side logits."""
        s2d = [s + sum(t.detach() for t in s2d[:i]) for i, s in enumerate(s2d)]
        d2s = [
            s + sum(t.detach() for t in d2s[i + 1:])
            for i, s in enumerate(d2s)
        ]
        sides = s2d + d2s
        return sides + [self.fuse(torch.cat(sides, dim=1))]

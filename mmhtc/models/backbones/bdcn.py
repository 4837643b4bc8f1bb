"""BDCN: Bi-Directional Cascade Network for edge detection (CVPR 2019)."""
from typing import Dict, List, Mapping, Optional, Sequence, Union

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmengine.runner import CheckpointLoader
from torch import Tensor

from ...registry import POSE_MODELS, SEG_MODELS, register_into

ConfigType = Optional[Union[dict, List[dict]]]

#: (number of convs, channels) of the five VGG16 stages.
VGG16_STAGES = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


def vgg16_to_bdcn(state_dict: Mapping[str, Tensor], filename: str) -> Dict[str, Tensor]:
    """Map torchvision VGG16 weights onto the trunk of :class:`BDCN`.

    torchvision's ``features`` is a sequence of (conv, ReLU) pairs with a
    max-pool closing each stage, so conv ``j`` of stage ``i`` is
    ``features.N`` with ``N`` = 0, 2 | 5, 7 | 10, 12, 14 | 17, 19, 21 |
    24, 26, 28; it becomes BDCN's ``stages.i.j.conv``. Other keys (the
    classifier) are dropped.

    Args:
        state_dict (Mapping[str, Tensor]): torchvision VGG16 weights, e.g.
            ``torchvision.models.vgg16().state_dict()``.
        filename (str): Where the weights come from, for error messages.

    Returns:
        dict[str, Tensor]: The 26 trunk weights and biases, by BDCN key.

    Raises:
        KeyError: If a trunk weight is missing from ``state_dict``.
    """
    mapped, missing = {}, []
    index = 0
    for i, (num_convs, _) in enumerate(VGG16_STAGES):
        for j in range(num_convs):
            for name in ('weight', 'bias'):
                key = f'features.{index}.{name}'
                if key in state_dict:
                    mapped[f'stages.{i}.{j}.conv.{name}'] = state_dict[key]
                else:
                    missing.append(key)
            index += 2
        index += 1
    if missing:
        raise KeyError(f'{filename} is not a torchvision VGG16 checkpoint: '
                       f'it lacks {", ".join(missing)}')
    return mapped


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
    stage's last conv, before pooling), the features that BDCN's scale
    enhancement modules read. A stride-``s`` feature of an ``H x W`` input is
    ``ceil(H / s) x ceil(W / s)``.

    BDCN's own edge branches (scale enhancement modules, per-block side
    logits and their bi-directional cascade) are not part of this backbone:
    HTCorrM's edge output is its HNL's, and its training objective (Eq. 4)
    supervises the encoders and HNL only, not BDCN's side outputs.

    Initialisation: BDCN trains from an ImageNet VGG16. With
    ``init_cfg=dict(type='Pretrained', checkpoint='torchvision://vgg16')``
    the trunk loads torchvision's VGG16 ``features`` (see
    :func:`vgg16_to_bdcn`); these weights expect RGB images normalised with
    ImageNet's mean and std, the data preprocessor of the BDCN configs.
    (BDCN's code loads a Caffe VGG16, fed BGR images minus the mean.) Without
    ``init_cfg`` the convs keep :class:`~mmcv.cnn.ConvModule`'s Kaiming
    normal (fan-out) init with zero biases, BDCN's code's init of a VGG16
    trained from scratch.

    Args:
        in_channels (int): Number of input image channels; 3 for pretrained
            VGG16 weights. Default: 3.
        out_indices (Sequence[int]): 0-based ID blocks whose features are
            output. Default: (1, 2, 3), HTCorrM's G1, G2, G3.
        norm_cfg (dict, optional): Norm layer after each 3x3 conv, e.g.
            ``dict(type='BN')``; None for none, as in VGG16 and for the
            pretrained weights. Default: None.
        init_cfg (dict or list[dict], optional): Initialization config, e.g.
            ``dict(type='Pretrained', checkpoint='torchvision://vgg16')``.
            Default: None.

    Shapes:
        - input: :math:`(N, C_{in}, H, W)`
        - output: for each index ``i`` in ``out_indices``,
          :math:`(N, C_i, \\lceil H / s_i \\rceil, \\lceil W / s_i \\rceil)`
          with ``C_i, s_i`` from the table.

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

    #: Output stride of each stage.
    strides = (1, 2, 4, 8, 8)

    def __init__(self,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (1, 2, 3),
                 norm_cfg: Optional[dict] = None,
                 init_cfg: ConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        num_blocks = len(VGG16_STAGES)
        for index in out_indices:
            if not 0 <= index < num_blocks:
                raise ValueError(f'out_indices must be in [0, {num_blocks}), '
                                 f'got {tuple(out_indices)}')
        if norm_cfg is not None and self._pretrained():
            raise ValueError('BDCN loads VGG16 weights without norm layers: '
                             f'norm_cfg must be None, got {norm_cfg}')
        self.out_indices = tuple(out_indices)
        self.out_channels = [VGG16_STAGES[i][1] for i in out_indices]

        self.pools = nn.ModuleList([
            nn.MaxPool2d(2, stride=2, ceil_mode=True),
            nn.MaxPool2d(2, stride=2, ceil_mode=True),
            nn.MaxPool2d(2, stride=2, ceil_mode=True),
            nn.MaxPool2d(3, stride=1, padding=1),
        ])
        self.stages = nn.ModuleList()
        for i, (num_convs, channels) in enumerate(VGG16_STAGES):
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

    def _pretrained(self) -> bool:
        return (isinstance(self.init_cfg, dict)
                and self.init_cfg.get('type') == 'Pretrained')

    def init_weights(self) -> None:
        """Load VGG16 weights into the trunk with a ``Pretrained`` init_cfg.

        The checkpoint (a path, URL or ``torchvision://vgg16``) is read by
        mmengine's :class:`~mmengine.runner.CheckpointLoader` and mapped by
        :func:`vgg16_to_bdcn`; every trunk tensor must be present with its
        shape. Other init configs run mmengine's initialisation.

        Raises:
            KeyError: If the checkpoint lacks a VGG16 trunk weight.
            ValueError: If a weight's shape does not match the trunk's.
        """
        if not self._pretrained():
            super().init_weights()
            return
        filename = self.init_cfg['checkpoint']
        weights = vgg16_to_bdcn(
            CheckpointLoader.load_checkpoint(filename, map_location='cpu'), filename)
        own = self.state_dict()
        wrong = [
            f'{key} {tuple(value.shape)} (BDCN: {tuple(own[key].shape)})'
            for key, value in weights.items() if value.shape != own[key].shape
        ]
        if wrong:
            raise ValueError(f'{filename} does not fit the BDCN trunk: '
                             f'{", ".join(wrong)}')
        self.load_state_dict(weights)
        self.is_init = True

    def forward(self, x: Tensor) -> tuple:
        """Forward function.

        Args:
            x (Tensor): Images of shape :math:`(N, C_{in}, H, W)`.

        Returns:
            tuple: The features of the ID blocks in ``out_indices``.
        """
        feats = []
        for i, stage in enumerate(self.stages):
            if i > 0:
                x = self.pools[i - 1](x)
            for conv in stage:
                x = conv(x)
            feats.append(x)
        return tuple(feats[i] for i in self.out_indices)

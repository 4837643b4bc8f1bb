"""Heterogeneous Non-Local module (HTCorrM, Sec. 3.3, eq. 1-3)."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, constant_init
from torch import Tensor, nn

from ...registry import POSE_MODELS, SEG_MODELS, register_into


@register_into(SEG_MODELS, POSE_MODELS)
class HeterogeneousNonLocal(BaseModule):
    """Correlate the main-task feature with a hybrid of the task features.

    .. math::

        F_h = W_1\\,\\mathrm{concat}(F_{in,1}, ..., F_{in,n}) \\qquad
        S = \\mathrm{softmax}(F_1 F_2) \\qquad
        F_r = W_2 (S F_3) + F_m

    with the query :math:`F_1 = \\theta(F_h)`, key :math:`F_2 = \\phi(F_m)` and value
    :math:`F_3 = g(F_m)` (1 x 1 convolutions to ``inter_channels``), the softmax over
    the keys, and :math:`W_2` a 1 x 1 convolution back to ``channels`` followed by a BN
    whose weight and bias start at zero, so that :math:`F_r = F_m` at initialisation
    (the paper's "W2 initialised as 0", placed as in the authors' release). The main
    task's output :math:`O_m = W_3 F_r` is left to the head.

    Which features form the hybrid is the caller's choice, given as the list passed to
    :meth:`forward`: the three task features (the paper's model), two of them (without
    the "duplicated" main feature, HTCorrM Tab. 8 dagger; correlation with one
    auxiliary task, Tab. 7 methods 6-7), or an auxiliary feature twice (Tab. 7 methods
    8-9). With ``num_inputs=0`` there is no hybrid: the query comes from :math:`F_m`
    itself, which is the standard (self-attention) non-local block of Tab. 7 method 1.

    Args:
        channels: C, the channels of every input feature and of the output.
        num_inputs: The features concatenated into the hybrid (0: self-attention).
        inter_channels: Channels of query, key and value. Default: 256, as the
            authors' release (at C = 512).
        sub_sample: Max-pool key and value by 2 x 2 (4x fewer keys), as the authors'
            release. Default: True.
        attention: ``'explicit'`` forms the relation map S (L x L, L = H x W);
            ``'fused'`` computes the same result with
            :func:`torch.nn.functional.scaled_dot_product_attention`, which need not
            hold S in memory; ``'auto'`` uses the fused path unless the relation map
            is asked for. Default: 'auto'.
        norm_cfg: Normalisation after W1 and W2. Default: BN.
        hybrid_act_cfg: Activation after W1's normalisation. Default: None (eq. 1
            has none; the authors' CorrPM release has InPlace-ABN's leaky ReLU).
        init_cfg: Initialisation of the convolutions.
    """

    def __init__(self,
                 channels: int,
                 num_inputs: int = 3,
                 inter_channels: int = 256,
                 sub_sample: bool = True,
                 attention: str = 'auto',
                 norm_cfg: Optional[dict] = None,
                 hybrid_act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if attention not in ('auto', 'explicit', 'fused'):
            raise ValueError("HeterogeneousNonLocal: attention must be 'auto', "
                             f"'explicit' or 'fused', got {attention!r}")
        if num_inputs < 0:
            raise ValueError('HeterogeneousNonLocal: num_inputs must be >= 0, '
                             f'got {num_inputs}')
        norm_cfg = norm_cfg or dict(type='BN')
        self.channels = channels
        self.num_inputs = num_inputs
        self.attention = attention
        self.hybrid = ConvModule(
            channels * num_inputs, channels, 1, norm_cfg=norm_cfg,
            act_cfg=hybrid_act_cfg) if num_inputs else None
        self.query = nn.Conv2d(channels, inter_channels, 1)
        self.key = nn.Conv2d(channels, inter_channels, 1)
        self.value = nn.Conv2d(channels, inter_channels, 1)
        self.pool = nn.MaxPool2d(2) if sub_sample else nn.Identity()
        self.out = ConvModule(
            inter_channels, channels, 1, norm_cfg=norm_cfg, act_cfg=None)

    def init_weights(self) -> None:
        """Initialise the convolutions, then zero W2's normalisation."""
        super().init_weights()
        constant_init(self.out.norm, 0)

    def forward(self,
                main: Tensor,
                inputs: Sequence[Tensor] = (),
                return_relation: bool = False
                ) -> Tuple[Tensor, Optional[Tensor]]:
        """Refine the main-task feature.

        Args:
            main: :math:`F_m`, (B, C, H, W).
            inputs: The ``num_inputs`` features of the hybrid, each (B, C, H, W).
            return_relation: Also return the relation map S.

        Returns:
            :math:`F_r` (B, C, H, W), and S (B, H*W, H'*W') (H', W' = H, W halved when
            sub-sampling) when asked for, else None.
        """
        if len(inputs) != self.num_inputs:
            raise ValueError(f'HeterogeneousNonLocal: expected {self.num_inputs} '
                             f'hybrid inputs, got {len(inputs)}')
        b, _, h, w = main.shape
        source = self.hybrid(torch.cat(list(inputs), 1)) if inputs else main
        query = self.query(source).flatten(2).transpose(1, 2)
        key = self.pool(self.key(main)).flatten(2)
        value = self.pool(self.value(main)).flatten(2).transpose(1, 2)
        relation = None
        if return_relation or self.attention == 'explicit':
            relation = torch.softmax(query @ key, dim=-1)
            context = relation @ value
        else:
            # Contiguous (B, L, C') operands: the CPU flash kernel needs a unit
            # stride in the last dimension, otherwise the math kernel forms S.
            context = F.scaled_dot_product_attention(
                query.contiguous(), key.transpose(1, 2).contiguous(),
                value.contiguous(), scale=1.0)
        context = context.transpose(1, 2).reshape(b, -1, h, w)
        return self.out(context) + main, relation if return_relation else None

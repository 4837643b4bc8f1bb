"""Heterogeneous Non-Local module (HTCorrM, Sec.

3.3, eq. 1-3).
"""
from contextlib import contextmanager, nullcontext
from typing import Any, Callable, Iterator, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, constant_init
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils.checkpoint import checkpoint

from ...registry import POSE_MODELS, SEG_MODELS, register_into


@contextmanager
def _norm_statistics_kept(module: nn.Module) -> Iterator[None]:
    """Restore the running statistics of ``module``'s batch norms on exit, so that
    recomputing a forward pass does not update them a second time."""
    buffers = [
        buffer for norm in module.modules() if isinstance(norm, _BatchNorm)
        for buffer in norm.buffers()
    ]
    saved = [buffer.clone() for buffer in buffers]
    try:
        yield
    finally:
        for buffer, value in zip(buffers, saved):
            buffer.copy_(value)


def checkpointed(module: nn.Module, function: Callable[..., Any], *tensors:
                 Tensor) -> Any:
    """``function(*tensors)``, activation-checkpointed when ``module.with_cp``, in
    training and with an input that requires grad.

    The activations of ``function`` are not kept: the backward pass recomputes
    them (:func:`torch.utils.checkpoint.checkpoint`, ``use_reentrant=False``; the
    random state, e.g. of dropout, is replayed). The running statistics of the
    batch norms in ``module`` are updated once, by the forward pass, as without
    checkpointing.
    """
    if not (module.with_cp and module.training and any(t.requires_grad
                                                       for t in tensors)):
        return function(*tensors)
    return checkpoint(
        function,
        *tensors,
        use_reentrant=False,
        context_fn=lambda: (nullcontext(), _norm_statistics_kept(module)))


def pointwise(x: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
    """A 1 x 1 convolution, (B, C_in, H, W) -> (B, C_out, H, W), as a batched
    matrix product: the same result without the CPU convolution kernels' copies
    of the input and the gradients, which would dominate HNL's peak memory."""
    b, _, h, w = x.shape
    weight = weight.flatten(1).expand(b, -1, -1)
    if bias is None:
        out = torch.bmm(weight, x.flatten(2))
    else:
        out = torch.baddbmm(bias[:, None], weight, x.flatten(2))
    return out.view(b, -1, h, w)


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
        with_cp: Activation checkpointing while training: the hybrid (W1), the
            keys and values, the attention and the output (W2 and the residual)
            are recomputed one after the other in the backward pass instead of
            being kept. Default: False.
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
                 with_cp: bool = False,
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
        self.with_cp = with_cp
        self.hybrid = ConvModule(
            channels * num_inputs,
            channels,
            1,
            norm_cfg=norm_cfg,
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
                return_relation: bool = False) -> Tuple[Tensor, Optional[Tensor]]:
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
        source = checkpointed(self, self._hybrid, *inputs) if inputs else main
        key, value = checkpointed(self, self._keys, main)
        relation = None
        if return_relation:
            relation = self._relation(self._query(source), key)
            context = self._to_map(relation @ value, source)
        else:
            context = checkpointed(self, self._attend, source, key, value)
        return checkpointed(self, self._output, context, main), relation

    def _hybrid(self, *inputs: Tensor) -> Tensor:
        """F_h = W1 concat(inputs), W1's slice per input applied and summed, so that the
        concatenation (n x C channels) and its gradient are never formed."""
        conv = self.hybrid.conv
        out = sum(
            pointwise(x, w, None)
            for x, w in zip(inputs, conv.weight.split(self.channels, 1)))
        if conv.bias is not None:
            out = out + conv.bias[:, None, None]
        out = self.hybrid.norm(out)
        return self.hybrid.activate(out) if self.hybrid.with_activation else out

    @staticmethod
    def _to_sequence(x: Tensor) -> Tensor:
        """(B, C', H, W) -> (B, H*W, C'), contiguous: the CPU flash kernel needs a unit
        stride in the last dimension, otherwise the math kernel forms S."""
        return x.flatten(2).transpose(1, 2).contiguous()

    def _query(self, source: Tensor) -> Tensor:
        """F_1 = theta(F_h) (B, L, C')."""
        return self._to_sequence(pointwise(source, self.query.weight, self.query.bias))

    def _keys(self, main: Tensor) -> Tuple[Tensor, Tensor]:
        """F_2 = phi(F_m) and F_3 = g(F_m), sub-sampled, each (B, L', C')."""
        return tuple(
            self._to_sequence(self.pool(pointwise(main, conv.weight, conv.bias)))
            for conv in (self.key, self.value))

    @staticmethod
    def _relation(query: Tensor, key: Tensor) -> Tensor:
        """S = softmax(F_1 F_2) (B, L, L'), softmax over the keys."""
        return torch.softmax(query @ key.transpose(1, 2), dim=-1)

    def _attend(self, source: Tensor, key: Tensor, value: Tensor) -> Tensor:
        """S F_3 as a (B, C', H, W) map: S formed (``'explicit'``) or not
        (scaled_dot_product_attention)."""
        query = self._query(source)
        if self.attention == 'explicit':
            context = self._relation(query, key) @ value
        else:
            context = F.scaled_dot_product_attention(query, key, value, scale=1.0)
        return self._to_map(context, source)

    @staticmethod
    def _to_map(context: Tensor, like: Tensor) -> Tensor:
        """(B, L, C') -> (B, C', H, W) on the grid of ``like`` (B, C, H, W)."""
        b, _, h, w = like.shape
        return context.transpose(1, 2).reshape(b, -1, h, w)

    def _output(self, context: Tensor, main: Tensor) -> Tensor:
        """F_r = W2 context + F_m."""
        conv = self.out.conv
        return self.out.norm(pointwise(context, conv.weight, conv.bias)) + main

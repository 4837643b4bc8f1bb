"""Class-balanced binary cross entropy for edge maps."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...registry import POSE_MODELS, SEG_MODELS, register_into


@register_into(SEG_MODELS, POSE_MODELS)
class BalancedEdgeLoss(nn.Module):
    """Binary cross entropy with per-batch class balancing (CE2P, HTCorrM release).

    Edge pixels are rare, so each pixel's loss is weighted by the frequency of the
    other class in the batch: an edge pixel by the fraction of non-edge pixels and a
    non-edge pixel by the fraction of edge pixels, over the pixels that are not
    ``ignore_index``. ``reduction='mean'`` divides the weighted sum by the sum of the
    weights; ``'sum'`` keeps the sum, as BDCN trains (its learning rate of 1e-6 is
    meant for a loss summed over the pixels).

    Its call signature is that of mmseg's losses, so it serves as a decode head's
    ``loss_decode`` (edge as the main task) as well as an auxiliary loss.

    Args:
        loss_weight: Multiplier of the loss. Default: 1.0.
        reduction: ``'mean'`` or ``'sum'``. Default: 'mean'.
        ignore_index: Label value excluded from the loss. Default: 255.
        loss_name: The key of the loss in the log. Default: 'loss_edge'.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 ignore_index: int = 255,
                 loss_name: str = 'loss_edge') -> None:
        super().__init__()
        if reduction not in ('mean', 'sum'):
            raise ValueError("BalancedEdgeLoss: reduction must be 'mean' or "
                             f"'sum', got {reduction!r}")
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    def forward(self,
                logits: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """Compute the loss.

        Args:
            logits: Edge logits (B, 1, H, W) or (B, H, W).
            label: Edge labels (B, H, W) or (B, 1, H, W) in {0, 1, ignore_index}.
            weight: Unused (mmseg's pixel sampler weights are not supported).
            ignore_index: Overrides the constructor's ignore index.

        Returns:
            The scalar loss.
        """
        ignore = self.ignore_index if ignore_index is None else ignore_index
        logits = logits.reshape(label.shape[0], -1)
        label = label.reshape(label.shape[0], -1)
        valid = label != ignore
        target = (label == 1).float()
        num_pos = (target * valid).sum()
        num_valid = valid.sum().clamp(min=1)
        pixel_weight = torch.where(target > 0, 1 - num_pos / num_valid,
                                   num_pos / num_valid) * valid
        loss = F.binary_cross_entropy_with_logits(logits, target, reduction='none')
        total = (loss * pixel_weight).sum()
        if self.reduction == 'mean':
            total = total / pixel_weight.sum().clamp(min=1e-6)
        return self.loss_weight * total

    @property
    def loss_name(self) -> str:
        """The key of the loss in the log (mmseg convention)."""
        return self._loss_name

"""HTCorrM with parsing or edge as the main task, as an mmseg decode head."""
from typing import List, Sequence, Tuple

import torch
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import Tensor

from ...registry import SEG_MODELS
from .htcorrm_core import HTCorrMCore


@SEG_MODELS.register_module()
class HTCorrMSegHead(BaseDecodeHead):
    """HTCorrM head for mmseg's ``EncoderDecoder``: parsing or edge main task.

    The backbone features go through :class:`HTCorrMCore` (encoders, HNL); the main
    output :math:`O_m = W_3 F_r` is mmseg's ``cls_seg`` of the refined feature:
    ``num_classes`` parsing logits, or one edge logit (``out_channels=1``,
    ``num_classes=2``, with :class:`BalancedEdgeLoss` as ``loss_decode``). The main
    loss is mmseg's on the main task's label (``gt_sem_seg`` for parsing,
    ``gt_edge_map`` for edge); the encoders' losses are added with their weights. At
    test time only :math:`O_m` is computed into the prediction.

    Args:
        core: Arguments of :class:`HTCorrMCore` without ``channels``,
            ``ignore_index`` and ``align_corners`` (the head's); ``num_classes``
            defaults to the head's for parsing as the main task.
        **kwargs: Arguments of mmseg's ``BaseDecodeHead``; ``in_channels`` and
            ``in_index`` list every backbone feature the encoders read, with
            ``input_transform='multiple_select'``.
    """

    def __init__(self, core: dict, **kwargs) -> None:
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(**kwargs)
        core = dict(core)
        main = core.get('main', 'parsing')
        if main not in ('parsing', 'edge'):
            raise ValueError('HTCorrMSegHead: the main task must be parsing or '
                             f'edge, got {main!r} (pose: HTCorrMPoseHead)')
        if main == 'parsing':
            core.setdefault('num_classes', self.num_classes)
        self.core = HTCorrMCore(
            channels=self.channels,
            ignore_index=self.ignore_index,
            align_corners=self.align_corners,
            **core)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Backbone features -> main-task logits (B, out_channels, H, W)."""
        outputs = self.core(self._transform_inputs(inputs))
        return self.cls_seg(outputs['refined'])

    def forward_outputs(self,
                        inputs: Sequence[Tensor],
                        return_relation: bool = False) -> Tuple[Tensor, dict]:
        """Main logits and every core output (features, predictions, and the relation
        map when asked for)."""
        outputs = self.core(self._transform_inputs(inputs), return_relation)
        return self.cls_seg(outputs['refined']), outputs

    def loss(self, inputs: Tuple[Tensor], batch_data_samples: List,
             train_cfg: dict) -> dict:
        """Main-task loss (mmseg's) plus the encoders' weighted losses."""
        outputs = self.core(self._transform_inputs(inputs))
        losses = self.loss_by_feat(self.cls_seg(outputs['refined']), batch_data_samples)
        losses.update(self.core.loss(outputs['predictions'], batch_data_samples))
        return losses

    def _stack_batch_gt(self, batch_data_samples: List) -> Tensor:
        """The main task's label (B, 1, H, W)."""
        key = 'gt_sem_seg' if self.core.main == 'parsing' else 'gt_edge_map'
        return torch.stack([s.get(key).data for s in batch_data_samples])

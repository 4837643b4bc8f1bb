"""Test-time augmentation for human parsing: flips swap left and right back."""
from typing import List, Sequence, Tuple

import torch
from mmseg.models.segmentors import SegTTAModel

from ...registry import SEG_MODELS


@SEG_MODELS.register_module()
class HumanSegTTAModel(SegTTAModel):
    """mmseg's ``SegTTAModel`` (multi-scale and flip testing) for human parsing.

    mmseg flips a flipped view's prediction back, but its left-arm channel then
    scores the right arm. This model exchanges the channels of each pair in
    ``class_flip_pairs`` of flipped views before averaging the views.

    Args:
        class_flip_pairs: Left/right class pairs, e.g. LIP's
            ((14, 15), (16, 17), (18, 19)).
        **kwargs: Arguments of ``SegTTAModel`` (``module``, ``data_preprocessor``).
    """

    def __init__(self,
                 class_flip_pairs: Sequence[Tuple[int, int]] = (),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.class_flip_pairs = tuple(tuple(p) for p in class_flip_pairs)

    def merge_preds(self, data_samples_list: List[List]) -> List:
        """Swap the paired channels of flipped views, then average the views."""
        for data_samples in data_samples_list:
            for sample in data_samples:
                if sample.metainfo.get('flip'):
                    logits = sample.seg_logits.data
                    order = torch.arange(logits.shape[0])
                    for a, b in self.class_flip_pairs:
                        order[a], order[b] = b, a
                    sample.seg_logits.data = logits[order]
        return super().merge_preds(data_samples_list)

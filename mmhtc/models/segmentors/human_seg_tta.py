"""Test-time augmentation for human parsing: flips swap left and right back."""
from typing import List

import torch
from mmseg.models.segmentors import SegTTAModel

from ...registry import SEG_MODELS
from ...structures import flip_permutation


@SEG_MODELS.register_module()
class HumanSegTTAModel(SegTTAModel):
    """Mmseg's ``SegTTAModel`` (multi-scale and flip testing) for human parsing.

    mmseg flips a flipped view's prediction back, but its left-arm channel then
    scores the right arm. This model exchanges the channels of each left/right class
    pair of flipped views before averaging the views; the pairs are the dataset's
    ``class_flip_pairs``, which ``PackHumanSegInputs`` puts in every sample's
    metainfo.
    """

    def merge_preds(self, data_samples_list: List[List]) -> List:
        """Swap the paired channels of flipped views, then average the views."""
        for data_samples in data_samples_list:
            for sample in data_samples:
                if sample.metainfo.get('flip'):
                    logits = sample.seg_logits.data
                    order = flip_permutation(
                        logits.shape[0], sample.metainfo.get('class_flip_pairs', ()))
                    sample.seg_logits.data = logits[torch.from_numpy(order)]
        return super().merge_preds(data_samples_list)

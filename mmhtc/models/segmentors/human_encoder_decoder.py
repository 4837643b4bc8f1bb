"""mmseg's EncoderDecoder that also predicts the auxiliary tasks."""
from typing import List, Optional

from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from torch import Tensor

from ...registry import SEG_MODELS
from .outputs import heatmap_keypoints, to_original


@SEG_MODELS.register_module()
class HumanEncoderDecoder(EncoderDecoder):
    """An ``EncoderDecoder`` whose predictions include the auxiliary tasks.

    Training and the main-task prediction are mmseg's. At test time the data samples
    also get the HTCorrM head's auxiliary outputs, mapped back to the original image:

    - ``pred_edge_map`` (1, H, W): edge probabilities, when the head has an edge
      encoder and edge is not the main task;
    - ``pred_instances``: ``keypoints`` (1, K, 2) in original-image pixels and
      ``keypoint_scores`` (1, K), the strongest peak of each heatmap, when the head
      has a pose encoder (one person per image, as in LIP).

    so that one test run reports every task's metrics (e.g. ``IoUMetric``,
    ``EdgeMetric`` with ``prefix='edge'``, mmpose's ``PCKAccuracy`` with
    ``prefix='pose'``). Only whole-image inference (``test_cfg.mode='whole'``).
    """

    def predict(self, inputs: Tensor, data_samples: Optional[List] = None):
        """Main and auxiliary predictions of a batch (B, 3, H, W)."""
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError('HumanEncoderDecoder: only test_cfg.mode="whole" '
                             f'is supported, got {self.test_cfg.mode!r}')
        metas = [sample.metainfo for sample in data_samples]
        logits, outputs = self.decode_head.forward_outputs(
            self.extract_feat(inputs))
        seg_logits = self.decode_head.predict_by_feat(logits, metas)
        data_samples = self.postprocess_result(seg_logits, data_samples)
        predictions = outputs['predictions']
        for i, sample in enumerate(data_samples):
            if 'edge' in predictions and self.decode_head.core.main != 'edge':
                edge = to_original(predictions['edge'][i:i + 1].sigmoid(),
                                   sample.metainfo, inputs.shape[2:],
                                   self.align_corners)
                sample.pred_edge_map = PixelData(data=edge[0])
            if 'pose' in predictions:
                sample.pred_instances = heatmap_keypoints(
                    predictions['pose'][i], sample.metainfo, inputs.shape[2:])
        return data_samples

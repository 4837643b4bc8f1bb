"""Mmseg's EncoderDecoder that predicts every task of an HTCorrM head."""
from typing import List, Optional

from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from torch import Tensor

from ...registry import SEG_MODELS
from ..utils.predictions import decode_keypoints, to_original


@SEG_MODELS.register_module()
class HumanEncoderDecoder(EncoderDecoder):
    """An ``EncoderDecoder`` whose predictions include the auxiliary tasks.

    Training is mmseg's. At test time every output of the ``HTCorrMSegHead`` goes
    into the data samples, mapped back to the original image (H x W) by one
    mapping (:func:`~mmhtc.models.utils.predictions.to_original`: mmseg's crop of
    the padding, flip back and resize, or the inverse of ``WarpToCanvas``):

    - ``pred_sem_seg`` (1, H, W): parsing classes, from the main output (parsing
      main) or the parsing encoder (edge main; left out without one);
    - ``pred_edge_map`` (1, H, W): edge probabilities, from the main output (edge
      main) or the edge encoder;
    - ``pred_instances``: ``keypoints`` (1, K, 2) in image pixels and
      ``keypoint_scores`` (1, K), the pose encoder's heatmaps decoded by the codec
      ``pose_decoder`` (one person per image, as in LIP);
    - ``pred_relation``, with ``test_cfg.return_relation=True`` and HNL fusion:
      the relation map as :class:`PixelData` (N, h, w): for each query position
      of the (h, w) feature grid its attention over the N keys, which lie on the
      grid ``metainfo['key_shape']``;

    so that one test run reports every task's metrics (e.g. ``HumanParsingMetric``,
    ``EdgeMetric`` with ``prefix='edge'``, ``LIPPCKhMetric``). Only whole-image
    inference (``test_cfg.mode='whole'``).

    Args:
        pose_decoder: The mmpose codec that decodes the auxiliary heatmaps; its
            ``input_size`` and ``heatmap_size`` are those of each test input.
            Default: ``MSRAHeatmap`` with sigma 2 (the training targets').
        **kwargs: Arguments of mmseg's ``EncoderDecoder``.
    """

    def __init__(self, pose_decoder: Optional[dict] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pose_decoder = pose_decoder or dict(type='MSRAHeatmap', sigma=2)

    def predict(self, inputs: Tensor, data_samples: Optional[List] = None):
        """Main and auxiliary predictions of a batch (B, 3, H, W)."""
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError('HumanEncoderDecoder: only test_cfg.mode="whole" '
                             f'is supported, got {self.test_cfg.mode!r}')
        head = self.decode_head
        return_relation = self.test_cfg.get('return_relation', False)
        if return_relation and head.core.fusion != 'hnl':
            raise ValueError('HumanEncoderDecoder: the relation map needs '
                             f'fusion="hnl", the head has {head.core.fusion!r}')
        logits, outputs = head.forward_outputs(
            self.extract_feat(inputs), return_relation=return_relation)
        predictions = outputs['predictions']
        size = inputs.shape[2:]
        for i, sample in enumerate(data_samples):
            self._add_main_result(logits[i:i + 1], sample, size)
            if head.core.main == 'edge':
                sample.pred_edge_map = PixelData(data=sample.seg_logits.data)
                del sample.pred_sem_seg
            elif 'edge' in predictions:
                sample.pred_edge_map = PixelData(
                    data=self._to_original(predictions['edge'][i:i + 1].sigmoid(),
                                           sample, size)[0])
            if head.core.main == 'edge' and 'parsing' in predictions:
                probs = self._to_original(predictions['parsing'][i:i + 1].softmax(1),
                                          sample, size)
                sample.pred_sem_seg = PixelData(data=probs.argmax(1))
            if 'pose' in predictions:
                sample.pred_instances = decode_keypoints(predictions['pose'][i],
                                                         sample.metainfo, size,
                                                         self.pose_decoder)
            if outputs['relation'] is not None:
                h, w = outputs['refined'].shape[2:]
                relation = outputs['relation'][i]
                keys = relation.shape[-1]
                sample.pred_relation = PixelData(
                    data=relation.T.reshape(keys, h, w),
                    metainfo=dict(
                        key_shape=(h, w) if keys == h * w else (h // 2, w // 2)))
        return data_samples

    def _add_main_result(self, logits: Tensor, sample, size) -> None:
        """``seg_logits`` and ``pred_sem_seg`` of the main output (1, C, h, w) in the
        original image, as mmseg's ``postprocess_result`` writes them."""
        logits = self._to_original(logits, sample, size)[0]
        if logits.shape[0] > 1:
            pred = logits.argmax(0, keepdim=True)
        else:
            logits = logits.sigmoid()
            pred = (logits > self.decode_head.threshold).to(logits)
        sample.set_data(
            dict(seg_logits=PixelData(data=logits), pred_sem_seg=PixelData(data=pred)))

    def _to_original(self, maps: Tensor, sample, size) -> Tensor:
        return to_original(maps, sample.metainfo, size, self.align_corners)

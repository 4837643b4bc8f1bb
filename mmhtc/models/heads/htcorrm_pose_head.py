"""HTCorrM with pose as the main task, as an mmpose head."""
from typing import Sequence, Tuple

import torch
from mmengine.structures import PixelData
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.heads import HeatmapHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.utils.tensor_utils import to_numpy
from torch import Tensor

from ...registry import POSE_MODELS
from .htcorrm_core import HTCorrMCore


@POSE_MODELS.register_module()
class HTCorrMPoseHead(HeatmapHead):
    """HTCorrM head for mmpose's ``TopdownPoseEstimator``: pose main task.

    The backbone features go through :class:`HTCorrMCore` (encoders, HNL); the main
    output :math:`O_m = W_3 F_r` is ``out_channels`` heatmaps from the refined
    feature by mmpose's ``final_layer``. Training adds the encoders' weighted losses
    to mmpose's keypoint loss; prediction is mmpose's (flip test, decoding with the
    codec ``decoder``) plus the auxiliary outputs in ``pred_fields``
    (:meth:`predict`).

    Args:
        core: Arguments of :class:`HTCorrMCore` without ``main``, ``channels`` and
            ``num_keypoints`` (the head's ``in_channels`` and ``out_channels``).
        in_channels: C, the channels of the task features.
        out_channels: J, the heatmaps.
        **kwargs: ``loss``, ``decoder``, ``init_cfg`` of mmpose's ``HeatmapHead``.
    """

    def __init__(self, core: dict, in_channels: int, out_channels: int,
                 **kwargs) -> None:
        super().__init__(
            in_channels=in_channels,
            out_channels=out_channels,
            deconv_out_channels=None,
            conv_out_channels=None,
            **kwargs)
        self.core = HTCorrMCore(
            main='pose',
            channels=in_channels,
            num_keypoints=out_channels,
            **core)

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Backbone features -> heatmaps (B, J, H, W)."""
        return self.final_layer(self.core(feats)['refined'])

    def forward_outputs(self,
                        feats: Sequence[Tensor],
                        return_relation: bool = False
                        ) -> Tuple[Tensor, dict]:
        """Heatmaps and every core output (features, predictions, and the
        relation map when asked for)."""
        outputs = self.core(feats, return_relation)
        return self.final_layer(outputs['refined']), outputs

    def predict(self,
                feats,
                batch_data_samples: Sequence,
                test_cfg: dict = {}) -> Tuple[list, list]:
        """Keypoints (mmpose's flip test and codec) and the auxiliary outputs.

        Returns:
            The keypoints as mmpose's ``HeatmapHead.predict`` returns them, and per
            sample a :class:`PixelData` over the person's input (h, w) with the
            auxiliary predictions of the unflipped view: ``parsing`` (Q, h, w)
            class probabilities and ``edge`` (1, h, w) edge probabilities, where
            the core has those encoders; ``heatmaps`` (J, h, w) with
            ``test_cfg.output_heatmaps``; with ``test_cfg.return_relation`` (HNL
            fusion) ``relation`` (N, h, w), each query position's attention over
            the N keys on the grid ``metainfo['key_shape']``.
        """
        return_relation = test_cfg.get('return_relation', False)
        if return_relation and self.core.fusion != 'hnl':
            raise ValueError('HTCorrMPoseHead: the relation map needs '
                             f'fusion="hnl", the head has {self.core.fusion!r}')
        if test_cfg.get('flip_test', False):
            plain, flipped = feats
            heatmaps, outputs = self.forward_outputs(plain, return_relation)
            heatmaps = (heatmaps + flip_heatmaps(
                self.forward(flipped),
                flip_mode=test_cfg.get('flip_mode', 'heatmap'),
                flip_indices=batch_data_samples[0].metainfo['flip_indices'],
                shift_heatmap=test_cfg.get('shift_heatmap', False))) * 0.5
        else:
            heatmaps, outputs = self.forward_outputs(feats, return_relation)
        fields = {}
        predictions = outputs['predictions']
        if 'parsing' in predictions:
            fields['parsing'] = predictions['parsing'].softmax(1)
        if 'edge' in predictions:
            fields['edge'] = predictions['edge'].sigmoid()
        if test_cfg.get('output_heatmaps', False):
            fields['heatmaps'] = heatmaps
        metainfo = {}
        if outputs['relation'] is not None:
            h, w = heatmaps.shape[2:]
            keys = outputs['relation'].shape[-1]
            fields['relation'] = outputs['relation'].transpose(1, 2).reshape(
                len(heatmaps), keys, h, w)
            metainfo['key_shape'] = (h, w) if keys == h * w else (h // 2, w // 2)
        pred_fields = [
            PixelData(
                metainfo=metainfo,
                **{k: v[i].detach() for k, v in fields.items()})
            for i in range(len(heatmaps))
        ]
        return self.decode(heatmaps), pred_fields

    def loss(self,
             feats: Sequence[Tensor],
             batch_data_samples: Sequence,
             train_cfg: dict = {}) -> dict:
        """mmpose's keypoint loss and accuracy plus the encoders' losses."""
        outputs = self.core(feats)
        heatmaps = self.final_layer(outputs['refined'])
        gt_heatmaps = torch.stack(
            [d.gt_fields.heatmaps for d in batch_data_samples])
        keypoint_weights = torch.cat([
            d.gt_instance_labels.keypoint_weights for d in batch_data_samples
        ])
        losses = dict(
            loss_kpt=self.loss_module(heatmaps, gt_heatmaps, keypoint_weights))
        if train_cfg.get('compute_acc', True):
            _, avg_acc, _ = pose_pck_accuracy(
                output=to_numpy(heatmaps),
                target=to_numpy(gt_heatmaps),
                mask=to_numpy(keypoint_weights) > 0)
            losses['acc_pose'] = torch.tensor(avg_acc, device=heatmaps.device)
        losses.update(self.core.loss(outputs['predictions'],
                                     batch_data_samples))
        return losses

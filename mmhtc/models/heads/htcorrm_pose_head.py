"""HTCorrM with pose as the main task, as an mmpose head."""
from typing import Sequence, Tuple

import torch
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.heads import HeatmapHead
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
    to mmpose's keypoint loss; prediction (flip test, decoding with the codec) is
    mmpose's ``HeatmapHead.predict``.

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

"""HTCorrM with pose as the main task, as an mmpose head."""
from typing import Sequence, Tuple

from mmengine.structures import PixelData
from mmpose.models.heads import BaseHead, HeatmapHead
from torch import Tensor

from ...registry import POSE_MODELS
from .htcorrm_core import HTCorrMCore


@POSE_MODELS.register_module()
class HTCorrMPoseHead(BaseHead):
    """HTCorrM head for mmpose's ``TopdownPoseEstimator``: pose main task.

    The backbone features go through :class:`HTCorrMCore` (encoders, HNL); the main
    output :math:`O_m = W_3 F_r` is ``out_channels`` heatmaps of the refined feature
    :math:`F_r` by an mmpose ``HeatmapHead`` without deconvolutions (``heatmap``),
    whose loss, accuracy, flip test and codec decoding are used as they are. Training
    adds the encoders' weighted losses; prediction adds the auxiliary outputs in
    ``pred_fields`` (:meth:`predict`).

    Args:
        core: Arguments of :class:`HTCorrMCore` without ``main``, ``channels`` and
            ``num_keypoints`` (the head's ``in_channels`` and ``out_channels``).
        in_channels: C, the channels of the task features.
        out_channels: J, the heatmaps.
        **kwargs: ``loss``, ``decoder``, ``init_cfg`` of mmpose's ``HeatmapHead``.
    """

    def __init__(self, core: dict, in_channels: int, out_channels: int,
                 **kwargs) -> None:
        super().__init__()
        self.heatmap = HeatmapHead(
            in_channels=in_channels,
            out_channels=out_channels,
            deconv_out_channels=None,
            conv_out_channels=None,
            **kwargs)
        self.core = HTCorrMCore(
            main='pose', channels=in_channels, num_keypoints=out_channels, **core)

    @property
    def decoder(self):
        """The keypoint codec that decodes the heatmaps."""
        return self.heatmap.decoder

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Backbone features -> heatmaps (B, J, H, W)."""
        return self.heatmap.forward((self.core(feats)['refined'], ))

    def forward_outputs(self,
                        feats: Sequence[Tensor],
                        return_relation: bool = False) -> Tuple[Tensor, dict]:
        """Heatmaps and every core output (features, predictions, and the relation map
        when asked for)."""
        outputs = self.core(feats, return_relation)
        return self.heatmap.forward((outputs['refined'], )), outputs

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
        flip_test = test_cfg.get('flip_test', False)
        outputs = self.core(feats[0] if flip_test else feats, return_relation)
        refined = (outputs['refined'], )
        if flip_test:
            refined = [refined, (self.core(feats[1])['refined'], )]
        preds, heatmap_fields = self.heatmap.predict(
            refined, batch_data_samples, dict(test_cfg, output_heatmaps=True))
        fields = {}
        predictions = outputs['predictions']
        if 'parsing' in predictions:
            fields['parsing'] = predictions['parsing'].softmax(1)
        if 'edge' in predictions:
            fields['edge'] = predictions['edge'].sigmoid()
        metainfo = {}
        if outputs['relation'] is not None:
            h, w = outputs['refined'].shape[2:]
            keys = outputs['relation'].shape[-1]
            fields['relation'] = outputs['relation'].transpose(1, 2).reshape(
                len(preds), keys, h, w)
            metainfo['key_shape'] = (h, w) if keys == h * w else (h // 2, w // 2)
        pred_fields = []
        for i, heatmap_field in enumerate(heatmap_fields):
            field = PixelData(
                metainfo=metainfo, **{
                    k: v[i].detach()
                    for k, v in fields.items()
                })
            if test_cfg.get('output_heatmaps', False):
                field.heatmaps = heatmap_field.heatmaps
            pred_fields.append(field)
        return preds, pred_fields

    def loss(self,
             feats: Sequence[Tensor],
             batch_data_samples: Sequence,
             train_cfg: dict = {}) -> dict:
        """Mmpose's keypoint loss and accuracy plus the encoders' losses."""
        outputs = self.core(feats)
        losses = self.heatmap.loss((outputs['refined'], ), batch_data_samples,
                                   train_cfg)
        losses.update(self.core.loss(outputs['predictions'], batch_data_samples))
        return losses

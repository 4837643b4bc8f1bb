"""Multi-person parsing and pose through person crops (top-down)."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData, PixelData
from mmseg.structures import SegDataSample
from torch import Tensor

from ...registry import POSE_MODELS, SEG_MODELS, register_into
from ..utils.person_crops import (class_probabilities, keypoints_to_image,
                                  merge_parsing, paste_to_image, person_crop)

#: Crop metainfo that the whole image's sample must not pass on to its crops.
IMAGE_ONLY_META = ('person_bboxes', 'img_path', 'seg_map_path', 'batch_input_shape',
                   'padding_size', 'pad_shape', 'scale_factor', 'flip',
                   'flip_direction')


@register_into(SEG_MODELS, POSE_MODELS)
class TopDownHuman(BaseModel):
    """A single-person mmhtc model applied to every person of an image.

    Training: the inner model's ``loss`` on person crops (top-down samples, e.g.
    ``data_mode='topdown'`` with mmpose's ``GetBBoxCenterScale`` and
    ``JointRandomAffine``), normalised by the inner model's data preprocessor.

    Testing on whole images (B images as (3, H, W) uint8 tensors, BGR): each
    person box is enlarged by ``padding``, widened to the input's aspect ratio
    and warped to ``input_size`` (:func:`person_crop`, mmpose's top-down test
    crop); the inner model's ``predict`` runs on the crops of an image in one
    batch; its outputs go back into the image:

    - ``pred_sem_seg`` (1, H, W) and ``seg_logits`` (C, H, W): the crops' class
      probabilities warped back bilinearly (:func:`paste_to_image`) and merged
      per pixel by :func:`merge_parsing` (the most probable foreground class of
      any person covering the pixel wins);
    - ``pred_edge_map`` (1, H, W): the highest edge probability of the persons;
    - ``pred_instances``: ``keypoints`` (P, K, 2) and ``keypoint_scores`` (P, K)
      mapped back through the inverse warp, ``bboxes`` (P, 4), ``bbox_scores``.

    Person boxes, in this order: ``metainfo['person_bboxes']`` (N, 4) given by
    the caller (:func:`mmhtc.apis.inference_human`); the ``detector``'s persons
    when one is configured; the ground-truth boxes ``gt_instances.bboxes``
    (oracle evaluation); else the whole image. Boxes without area are skipped.

    Args:
        model: Config of the single-person model (e.g. ``NPPNet``,
            ``HumanEncoderDecoder``) with its data preprocessor.
        input_size: Crop size (w, h) the inner model was trained on.
        padding: Box enlargement factor. Default: 1.25 (mmpose's).
        detector: Optional person detector: ``config`` (an mmdet config file),
            ``checkpoint`` (its weights), ``score_thr`` (default 0.5) and
            ``person_label`` (default 0, COCO's person), built with mmdet's
            ``init_detector`` on first use, not part of this model's weights.
        data_preprocessor: Of the whole images. Default: mmengine's, which only
            moves them to the device.
        train_cfg, pretrained: None, as mmseg's ``init_model`` sets them (the
            inner model's config holds its own).
        init_cfg: As mmengine's ``BaseModel``.
    """

    def __init__(self,
                 model: dict,
                 input_size: Tuple[int, int],
                 padding: float = 1.25,
                 detector: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if train_cfg is not None or pretrained is not None:
            raise ValueError('TopDownHuman: train_cfg and pretrained belong in '
                             'the inner model\'s config (model=dict(...))')
        if len(input_size) != 2 or min(input_size) <= 0:
            raise ValueError('TopDownHuman: input_size must be (w, h) > 0, got '
                             f'{input_size}')
        if detector is not None and not {'config', 'checkpoint'} <= set(detector):
            raise ValueError('TopDownHuman: detector needs "config" (an mmdet '
                             'config file) and "checkpoint", got '
                             f'{sorted(detector)}')
        self.model = SEG_MODELS.build(model)
        self.input_size = tuple(int(v) for v in input_size)
        self.padding = padding
        self.detector_cfg = {
            'score_thr': 0.5,
            'person_label': 0,
            **detector
        } if detector is not None else None
        # in a list: the detector's weights stay out of this model's state dict
        self._detector: list = []

    @property
    def test_cfg(self) -> dict:
        """The inner model's ``test_cfg``."""
        return self.model.test_cfg

    @test_cfg.setter
    def test_cfg(self, value: dict) -> None:
        self.model.test_cfg = value

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        """``'loss'`` on person crops, ``'predict'`` on whole images."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f'TopDownHuman: mode {mode!r} is not "loss" or '
                         '"predict"')

    def loss(self, inputs, data_samples: List) -> Dict[str, Tensor]:
        """The inner model's losses on a batch of person crops."""
        data = self.model.data_preprocessor(
            dict(inputs=inputs, data_samples=data_samples), True)
        return self.model.loss(data['inputs'], data['data_samples'])

    def detector(self):
        """The person detector (built on first use), or None."""
        if not self._detector and self.detector_cfg is not None:
            from mmdet.apis import init_detector
            device = next(self.parameters()).device
            with DefaultScope.overwrite_default_scope('mmdet'):
                self._detector.append(
                    init_detector(
                        self.detector_cfg['config'],
                        self.detector_cfg['checkpoint'],
                        device=str(device)))
        return self._detector[0] if self._detector else None

    def person_boxes(self, img: np.ndarray, sample) -> Tuple[np.ndarray, np.ndarray]:
        """Boxes (N, 4) xyxy and scores (N, ) of the persons of one image."""
        if 'person_bboxes' in sample.metainfo:
            boxes = np.asarray(sample.metainfo['person_bboxes'], np.float32)
            if boxes.ndim != 2 or boxes.shape[1] != 4:
                raise ValueError('TopDownHuman: person_bboxes must be (N, 4) '
                                 f'xyxy, got shape {boxes.shape}')
            scores = np.ones(len(boxes), np.float32)
        elif self.detector_cfg is not None:
            from mmdet.apis import inference_detector
            detector = self.detector()
            with DefaultScope.overwrite_default_scope('mmdet'):
                found = inference_detector(detector, img).pred_instances
            keep = (found.labels == self.detector_cfg['person_label']) & (
                found.scores >= self.detector_cfg['score_thr'])
            boxes = found.bboxes[keep].cpu().numpy().astype(np.float32)
            scores = found.scores[keep].cpu().numpy().astype(np.float32)
        elif 'gt_instances' in sample and 'bboxes' in sample.gt_instances:
            boxes = np.asarray(sample.gt_instances.bboxes, np.float32)
            scores = np.ones(len(boxes), np.float32)
        else:
            h, w = img.shape[:2]
            boxes = np.array([[0, 0, w, h]], np.float32)
            scores = np.ones(1, np.float32)
        valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        return boxes[valid], scores[valid]

    def predict(self, inputs: Sequence[Tensor], data_samples: List) -> List:
        """Parsing, edges and keypoints of every person, in image pixels."""
        for img, sample in zip(inputs, data_samples):
            self._predict_image(img, sample)
        return data_samples

    def _crop_samples(self, sample, count: int) -> List[SegDataSample]:
        meta = {k: v for k, v in sample.metainfo.items() if k not in IMAGE_ONLY_META}
        size = self.input_size[::-1]
        meta.update(
            img_shape=size,
            ori_shape=size,
            pad_shape=size,
            scale_factor=(1.0, 1.0),
            flip=False,
            flip_direction=None)
        return [SegDataSample(metainfo=copy.deepcopy(meta)) for _ in range(count)]

    def _predict_image(self, img: Tensor, sample) -> None:
        image = img.permute(1, 2, 0).cpu().numpy()
        height, width = image.shape[:2]
        boxes, box_scores = self.person_boxes(image, sample)
        crops, warps = [], []
        for box in boxes:
            crop, warp_mat = person_crop(image, box, self.padding, self.input_size)
            crops.append(torch.from_numpy(crop.transpose(2, 0, 1).copy()))
            warps.append(warp_mat)
        num_kpt = len(sample.metainfo.get('flip_indices', ()))
        keypoints = np.zeros((len(boxes), num_kpt, 2), np.float32)
        keypoint_scores = np.zeros((len(boxes), num_kpt), np.float32)
        scores = np.zeros((1, height, width), np.float32)
        edge, parsing = None, True
        if crops:
            data = self.model.data_preprocessor(
                dict(inputs=crops, data_samples=self._crop_samples(sample, len(crops))),
                False)
            outs = self.model.predict(data['inputs'], data['data_samples'])
            inside = np.stack([
                paste_to_image(
                    np.ones((1, *self.input_size[::-1]), np.float32), w,
                    (height, width))[0] for w in warps
            ])
            parsing = 'seg_logits' in outs[0]
            if parsing:
                probs = np.stack([
                    paste_to_image(
                        class_probabilities(o.seg_logits.data).float().cpu().numpy(), w,
                        (height, width)) for o, w in zip(outs, warps)
                ])
                scores = merge_parsing(probs, inside)
            if 'pred_edge_map' in outs[0]:
                edge = np.stack([
                    paste_to_image(o.pred_edge_map.data.float().cpu().numpy(), w,
                                   (height, width))[0] for o, w in zip(outs, warps)
                ]).max(0)
            if 'pred_instances' in outs[0]:
                keypoints = np.stack([
                    keypoints_to_image(
                        np.asarray(o.pred_instances.keypoints[0], np.float64), w)
                    for o, w in zip(outs, warps)
                ]).astype(np.float32)
                keypoint_scores = np.stack([
                    np.asarray(o.pred_instances.keypoint_scores[0], np.float32)
                    for o in outs
                ])
        device = img.device
        if parsing:
            seg_logits = torch.from_numpy(scores).to(device)
            sample.seg_logits = PixelData(data=seg_logits)
            sample.pred_sem_seg = PixelData(data=seg_logits.argmax(0, keepdim=True))
        if edge is not None:
            sample.pred_edge_map = PixelData(
                data=torch.from_numpy(edge[None]).to(device))
        sample.pred_instances = InstanceData(
            keypoints=keypoints,
            keypoint_scores=keypoint_scores,
            bboxes=boxes,
            bbox_scores=box_scores)

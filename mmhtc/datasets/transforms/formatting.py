"""Packing one human sample for either world.

Both packers put every ground truth the sample has into the data sample, each under
the name its own library uses, so a model of either library finds the auxiliary
targets where it would look for them:

- mmseg's names: ``gt_sem_seg`` (parsing, 1 x H x W), ``gt_edge_map`` (1 x H x W);
- mmpose's names: ``gt_instances`` (``keypoints``, ``keypoints_visible``,
  ``bboxes``, ...), ``gt_instance_labels`` (``keypoint_weights``), ``gt_fields``
  (``heatmaps``, K x h x w).
"""
import numpy as np
import torch
from mmengine.structures import BaseDataElement, InstanceData, PixelData
from mmpose.datasets.transforms import PackPoseInputs
from mmseg.datasets.transforms import PackSegInputs

from ...registry import TRANSFORMS, register_into


def pack_seg_targets(results: dict, data_sample: BaseDataElement) -> None:
    """Attach the parsing and edge maps as mmseg's ``PackSegInputs`` does."""
    for key, field in (('gt_seg_map', 'gt_sem_seg'), ('gt_edge_map', 'gt_edge_map')):
        if key in results:
            data = torch.from_numpy(results[key][None].astype(np.int64))
            data_sample.set_field(PixelData(data=data), field)


def pack_pose_targets(results: dict, data_sample: BaseDataElement) -> None:
    """Attach persons, keypoint weights and heatmaps as mmpose's ``PackPoseInputs`` does
    (its mapping tables, single-level targets)."""
    instances = InstanceData()
    for key, field in results.get('instance_mapping_table',
                                  PackPoseInputs.instance_mapping_table).items():
        if key in results:
            instances.set_field(results[key], field)
    data_sample.gt_instances = instances
    labels = InstanceData()
    for key, field in results.get('label_mapping_table',
                                  PackPoseInputs.label_mapping_table).items():
        if key in results:
            labels.set_field(results[key], field)
    data_sample.gt_instance_labels = labels.to_tensor()
    fields = PixelData()
    for key, field in results.get('field_mapping_table',
                                  PackPoseInputs.field_mapping_table).items():
        if key in results:
            fields.set_field(results[key], field)
    if fields:
        data_sample.gt_fields = fields.to_tensor()


@register_into(*TRANSFORMS)
class PackHumanSegInputs(PackSegInputs):
    """Mmseg's ``PackSegInputs`` plus the persons and heatmaps (parsing or edge as the
    main task).

    Produces a ``SegDataSample`` with ``gt_sem_seg`` and ``gt_edge_map`` as mmseg
    packs them and the pose targets under mmpose's names (see the module).

    Args:
        meta_keys: Keys of ``results`` stored as the sample's metainfo; mmseg's set
            plus the affine parameters, the joints' and classes' flip pairs and
            the canvas map of ``WarpToCanvas``.
    """

    def __init__(self,
                 meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                            'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                            'reduce_zero_label', 'input_size', 'input_center',
                            'input_scale', 'flip_indices', 'class_flip_pairs',
                            'canvas_matrix')):
        super().__init__(meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        """Pack image, parsing, edge and pose targets."""
        packed = super().transform(results)
        pack_pose_targets(results, packed['data_samples'])
        return packed


@register_into(*TRANSFORMS)
class PackHumanPoseInputs(PackPoseInputs):
    """Mmpose's ``PackPoseInputs`` plus the parsing and edge maps (pose as the main
    task).

    Produces a ``PoseDataSample`` as mmpose packs it, with ``gt_sem_seg`` and
    ``gt_edge_map`` (the maps warped with the image) under mmseg's names.

    Args:
        meta_keys: As mmpose's ``PackPoseInputs``.
        pack_transformed: As mmpose's ``PackPoseInputs``.
    """

    def transform(self, results: dict) -> dict:
        """Pack image, pose, parsing and edge targets."""
        packed = super().transform(results)
        pack_seg_targets(results, packed['data_samples'])
        return packed

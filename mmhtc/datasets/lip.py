"""LIP (Look Into Person): single-person parsing (20 classes) and pose (16 joints)."""
from typing import Dict

from ..registry import DATASETS, register_into
from .base import BaseHumanDataset
from .metainfo import LIP_CLASS_FLIP_PAIRS, LIP_CLASSES, LIP_PALETTE, MPII_KEYPOINTS
from .pose_annotations import Persons, read_lip_pose_csv


@register_into(*DATASETS)
class LIPHumanDataset(BaseHumanDataset):
    """LIP in its official ``TrainVal_*`` layout.

    .. code-block:: none

        TrainVal_images/{train,val}_images/<id>.jpg, TrainVal_images/{train,val}_id.txt
        TrainVal_parsing_annotations/{train,val}_segmentations/<id>.png
        TrainVal_pose_annotations/lip_{train,val}_set.csv

    Parsing maps hold class ids 0..19; poses are MPII's 16 joints in MPII order, one
    person per image. LIP images are crops around that person, so the person's box is
    the whole image. Some LIP images are grayscale JPEGs: load them with
    ``color_type='color'`` (the default of mmcv's and mmpose's loaders) to get RGB.

    Example:
        >>> dataset = LIPHumanDataset(
        ...     data_root='data/lip',
        ...     ann_file='TrainVal_images/val_id.txt',
        ...     pose_file='TrainVal_pose_annotations/lip_val_set.csv',
        ...     data_prefix=dict(
        ...         img_path='TrainVal_images/val_images',
        ...         seg_map_path='TrainVal_parsing_annotations/val_segmentations'))
    """

    METAINFO = dict(
        dataset_name='lip',
        classes=LIP_CLASSES,
        palette=LIP_PALETTE,
        class_flip_pairs=LIP_CLASS_FLIP_PAIRS,
        pose_metainfo=MPII_KEYPOINTS)

    person_is_image = True

    def read_poses(self) -> Dict[str, Persons]:
        """Persons per image file name from LIP's pose CSV."""
        return read_lip_pose_csv(self.pose_file, self.num_keypoints)

"""CIHP: multi-person parsing (20 classes), keypoints from pseudo-labels."""
from ..registry import DATASETS, register_into
from .base import BaseHumanDataset
from .metainfo import CIHP_CLASSES, COCO_KEYPOINTS, LIP_CLASS_FLIP_PAIRS, LIP_PALETTE


@register_into(*DATASETS)
class CIHPHumanDataset(BaseHumanDataset):
    """CIHP (Crowd Instance-level Human Parsing) in its official layout.

    .. code-block:: none

        instance-level_human_parsing/{Training,Validation}/
            Images/<id>.jpg
            Category_ids/<id>.png     # part classes 0..19
            edges/<id>.png            # optional: binary person-instance edges
            {train,val}_id.txt

    Several persons per image. CIHP has no keypoints: as in HTCorrM, they are
    pseudo-labels of a COCO-trained pose estimator, given as ``pose_file`` in COCO
    format (17 COCO keypoints by default; set ``metainfo=dict(pose_metainfo=...)``
    for another definition). Without it the samples have no persons.

    Example:
        >>> dataset = CIHPHumanDataset(
        ...     data_root='data/CIHP/instance-level_human_parsing/Training',
        ...     ann_file='train_id.txt',
        ...     pose_file='pose_pseudo_labels.json',
        ...     data_prefix=dict(img_path='Images', seg_map_path='Category_ids'))
    """

    METAINFO = dict(
        dataset_name='cihp',
        classes=CIHP_CLASSES,
        palette=LIP_PALETTE,
        class_flip_pairs=LIP_CLASS_FLIP_PAIRS,
        pose_metainfo=COCO_KEYPOINTS)

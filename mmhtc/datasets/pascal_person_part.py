"""PASCAL-Person-Part: multi-person parsing (7 classes) and 14-joint poses."""
from ..registry import DATASETS, register_into
from .base import BaseHumanDataset
from .metainfo import (PASCAL_PERSON_PART_CLASSES, PASCAL_PERSON_PART_KEYPOINTS,
                       PASCAL_PERSON_PART_PALETTE)


@register_into(*DATASETS)
class PascalPersonPartHumanDataset(BaseHumanDataset):
    """PASCAL-Person-Part (Chen et al. 2014) with the 14-joint poses of Xia et al.

    .. code-block:: none

        JPEGImages/<id>.jpg
        pascal_person_part_gt/<id>.png   # classes 0..6
        {train,val}_id.txt
        pose_annotations.json            # optional, COCO format, 14 joints

    The parsing PNGs are made from PASCAL-Part's ``Annotations_Part/*.mat`` by
    ``tools/dataset_converters/pascal_person_part.py``. The six parts have no
    left/right distinction, so a flip swaps only joints.

    The 14 joints of ``pose_annotations.json`` are in LSP order (right ankle,
    knee, hip, left hip, knee, ankle, right wrist, elbow, shoulder, left
    shoulder, elbow, wrist, neck, head top; ``PASCAL_PERSON_PART_KEYPOINTS``),
    which ``PascalPersonPartAPMetric`` relies on (neck and head top give the
    reference distance). Poses kept in another order, such as forehead, neck,
    then the left and the right limbs, must be reordered when written. Each
    annotation's ``bbox`` is the person's box (Xia et al.'s ``boxes``; without
    one it is the joints' extent enlarged by 25%): the crop of a training sample
    in ``data_mode='topdown'`` and the oracle box of
    :class:`~mmhtc.models.segmentors.TopDownHuman` at test time.

    Example:
        >>> dataset = PascalPersonPartHumanDataset(
        ...     data_root='data/pascal_person_part',
        ...     ann_file='val_id.txt',
        ...     data_prefix=dict(
        ...         img_path='JPEGImages', seg_map_path='pascal_person_part_gt'))
    """

    METAINFO = dict(
        dataset_name='pascal_person_part',
        classes=PASCAL_PERSON_PART_CLASSES,
        palette=PASCAL_PERSON_PART_PALETTE,
        class_flip_pairs=(),
        pose_metainfo=PASCAL_PERSON_PART_KEYPOINTS)

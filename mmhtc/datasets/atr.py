"""ATR: single-person parsing (18 classes), keypoints from pseudo-labels."""
from ..registry import DATASETS, register_into
from .base import BaseHumanDataset
from .metainfo import ATR_CLASS_FLIP_PAIRS, ATR_CLASSES, ATR_PALETTE, COCO_KEYPOINTS


@register_into(*DATASETS)
class ATRHumanDataset(BaseHumanDataset):
    """ATR in the layout of its release (``humanparsing/``).

    .. code-block:: none

        humanparsing/JPEGImages/<id>.jpg
        humanparsing/SegmentationClassAug/<id>.png   # classes 0..17
        <split>_id.txt                               # ids of the split

    ATR ships no split files; HTCorrM follows Co-CNN's 16,000 / 700 / 1,000 train /
    val / test split, given here as id lists. Keypoints are pseudo-labels in COCO
    format (``pose_file``), as for CIHP.

    Example:
        >>> dataset = ATRHumanDataset(
        ...     data_root='data/ATR',
        ...     ann_file='train_id.txt',
        ...     data_prefix=dict(
        ...         img_path='humanparsing/JPEGImages',
        ...         seg_map_path='humanparsing/SegmentationClassAug'))
    """

    METAINFO = dict(
        dataset_name='atr',
        classes=ATR_CLASSES,
        palette=ATR_PALETTE,
        class_flip_pairs=ATR_CLASS_FLIP_PAIRS,
        pose_metainfo=COCO_KEYPOINTS)

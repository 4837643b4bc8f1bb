# ATR, for parsing as the main task (HTCorrM: 384 x 384, as for LIP; Co-CNN's split
# of 16,000 train / 700 val / 1,000 test images given as id lists). Keypoints are
# COCO-format pseudo-labels (17 joints), as for CIHP.
_base_ = './lip_parsing.py'
dataset_type = 'ATRHumanDataset'
data_root = 'data/ATR'
data_prefix = dict(
    img_path='humanparsing/JPEGImages',
    seg_map_path='humanparsing/SegmentationClassAug')
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train_id.txt',
        pose_file='pose_coco_train.json',
        data_prefix=data_prefix))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='test_id.txt',
        pose_file='pose_coco_test.json',
        data_prefix=data_prefix))
test_dataloader = val_dataloader

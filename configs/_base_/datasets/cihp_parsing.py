# CIHP, image level with all persons, for parsing or edge as the main task (HTCorrM:
# 384 x 384, as for LIP). Keypoints are COCO-format pseudo-labels of a COCO-trained
# pose estimator (17 joints), one json per split, made by the user
# (docs/datasets.md).
_base_ = './lip_parsing.py'
dataset_type = 'CIHPHumanDataset'
data_root = 'data/CIHP/instance-level_human_parsing'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='Training/train_id.txt',
        pose_file='Training/pose_coco.json',
        data_prefix=dict(
            img_path='Training/Images', seg_map_path='Training/Category_ids')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='Validation/val_id.txt',
        pose_file='Validation/pose_coco.json',
        data_prefix=dict(
            img_path='Validation/Images', seg_map_path='Validation/Category_ids')))
test_dataloader = val_dataloader

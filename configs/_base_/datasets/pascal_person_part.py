# PASCAL-Person-Part through person crops (7 parsing classes, 14 joints from a
# COCO-format json; NPPNet Sec. 4.1: single-person images cut from the multi-person
# images, 384 x 384). Training samples are the annotated persons
# (data_mode='topdown'; box from the json, else from the joints), cut by their box
# enlarged 1.25 times; validation and test samples are whole images with all their
# persons, which the TopDownHuman model crops, predicts and pastes back. Parsing
# PNGs made by tools/dataset_converters/pascal_person_part.py.
_base_ = './lip_parsing.py'
dataset_type = 'PascalPersonPartHumanDataset'
data_root = 'data/pascal_person_part'
data_prefix = dict(img_path='JPEGImages', seg_map_path='pascal_person_part_gt')
crop_size = (384, 384)
codec = dict(
    type='MultiPersonHeatmap',
    input_size=crop_size,
    heatmap_size=(crop_size[0] // 4, crop_size[1] // 4),
    sigma=2)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadHumanAnnotations'),
    dict(type='mmpose.GetBBoxCenterScale', padding=1.25),
    dict(type='JointRandomFlip', prob=0.5),
    dict(
        type='JointRandomAffine',
        input_size=crop_size,
        scale_range=(0.75, 1.25),
        rotate_range=60),
    dict(type='GenerateHumanEdge', edge_width=3),
    dict(type='mmpose.GenerateTarget', encoder=codec),
    dict(type='PackHumanSegInputs'),
]
# whole images at their size: the model cuts the persons
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadHumanAnnotations'),
    dict(type='PackHumanSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train_id.txt',
        pose_file='pose_annotations_train.json',
        data_prefix=data_prefix,
        data_mode='topdown',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val_id.txt',
        pose_file='pose_annotations_val.json',
        data_prefix=data_prefix,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# LIP, one sample per person, for pose as the main task (HTCorrM: 256 x 256 top-down
# input, rotation up to 45 degrees, scale 0.65-1.35, flip, heatmaps 64 x 64 with
# sigma 2). Parsing and edge maps are warped with the image as auxiliary targets.
dataset_type = 'LIPHumanDataset'
data_root = 'data/lip'
codec = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadHumanAnnotations'),
    dict(type='GetBBoxCenterScale'),
    dict(type='JointRandomFlip', prob=0.5),
    dict(
        type='JointRandomAffine',
        input_size=codec['input_size'],
        scale_range=(0.65, 1.35),
        rotate_range=45),
    dict(type='GenerateHumanEdge', edge_width=3),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackHumanPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode='topdown',
        ann_file='TrainVal_images/train_id.txt',
        pose_file='TrainVal_pose_annotations/lip_train_set.csv',
        data_prefix=dict(
            img_path='TrainVal_images/train_images',
            seg_map_path='TrainVal_parsing_annotations/train_segmentations'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode='topdown',
        ann_file='TrainVal_images/val_id.txt',
        pose_file='TrainVal_pose_annotations/lip_val_set.csv',
        data_prefix=dict(img_path='TrainVal_images/val_images'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='LIPPCKhMetric', protocol='nppnet')
test_evaluator = val_evaluator

# LIP, image level, for parsing or edge as the main task (HTCorrM: 384 x 384 input,
# rotation up to 60 degrees, scale 0.75-1.25, flip; pose heatmaps at stride 4, sigma
# 2; test on the image with its long side at 384).
dataset_type = 'LIPHumanDataset'
data_root = 'data/lip'
crop_size = (384, 384)
codec = dict(
    type='MultiPersonHeatmap',
    input_size=crop_size,
    heatmap_size=(crop_size[0] // 4, crop_size[1] // 4),
    sigma=2)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadHumanAnnotations'),
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
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    dict(type='LoadHumanAnnotations'),
    dict(type='PackHumanSegInputs'),
]
# Multi-scale and flip testing (tools/test.py --tta with HumanSegTTAModel, which
# swaps the left/right classes of flipped views back).
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='Resize', scale_factor=r, keep_ratio=True)
            for r in (0.75, 1.0, 1.25)
        ],
                    [
                        dict(type='RandomFlip', prob=0., direction='horizontal'),
                        dict(type='RandomFlip', prob=1., direction='horizontal')
                    ], [dict(type='LoadHumanAnnotations')],
                    [dict(type='PackHumanSegInputs')]])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='TrainVal_images/train_id.txt',
        pose_file='TrainVal_pose_annotations/lip_train_set.csv',
        data_prefix=dict(
            img_path='TrainVal_images/train_images',
            seg_map_path='TrainVal_parsing_annotations/train_segmentations'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='TrainVal_images/val_id.txt',
        pose_file='TrainVal_pose_annotations/lip_val_set.csv',
        data_prefix=dict(
            img_path='TrainVal_images/val_images',
            seg_map_path='TrainVal_parsing_annotations/val_segmentations'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='HumanParsingMetric')
test_evaluator = val_evaluator

# mmhtc's synthetic human data in LIP's layout (generated into data_root on first
# use), with LIP's image-level pipeline at the demo's small input size. Test samples
# carry 1-pixel edges at the original resolution for models that also predict edges.
_base_ = './lip_parsing.py'
dataset_type = 'SyntheticLIPDataset'
data_root = 'data/synthetic_lip'
crop_size = (128, 128)
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
        rotate_range=30),
    dict(type='GenerateHumanEdge', edge_width=3),
    dict(type='mmpose.GenerateTarget', encoder=codec),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackHumanSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    dict(type='LoadHumanAnnotations'),
    dict(type='GenerateHumanEdge', edge_width=1),
    dict(type='PackHumanSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

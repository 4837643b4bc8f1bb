# LIP, image level, with NPPNet's augmentation (Sec. 4.2: 384 x 384, rotation
# within +-40 degrees, scale 0.5-1.5, flip) and joint evaluation: parsing IoU and
# LIP's PCKh@0.5 from the same model.
_base_ = './lip_parsing.py'
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
        scale_range=(0.5, 1.5),
        rotate_range=40),
    dict(type='GenerateHumanEdge', edge_width=3),
    dict(type='mmpose.GenerateTarget', encoder=codec),
    dict(type='PackHumanSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_evaluator = [
    dict(type='HumanParsingMetric'),
    dict(type='LIPPCKhMetric', protocol='nppnet')
]
test_evaluator = val_evaluator

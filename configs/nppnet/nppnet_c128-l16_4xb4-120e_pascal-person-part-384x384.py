# NPPNet on the extended PASCAL-Person-Part (7 parsing classes, 14 joints) with the
# architecture searched on LIP (Sec. 4.4: "we directly employ the architecture
# searched on the LIP dataset"), retrained at the paper's settings. Paper (Tab. 3,
# 4): val mIoU 71.73, pose mAP 42.1. Scored here with parsing IoU and the per-joint
# multi-person AP of Tab. 4 (docs/evaluation.md).
_base_ = [
    '../_base_/models/nppnet.py', '../_base_/datasets/pascal_person_part.py',
    '../_base_/schedules/nppnet_120e.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
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
model = dict(
    network=dict(
        num_classes=7,
        num_keypoints=14,
        genotype='{{fileDirname}}/genotypes/nppnet_lip_paper.yaml'))
val_evaluator = [
    dict(type='HumanParsingMetric'),
    dict(type='PascalPersonPartAPMetric', protocol='nppnet', prefix='pose')
]
test_evaluator = val_evaluator

# NPPNet on the extended PASCAL-Person-Part (7 parsing classes, 14 joints) with the
# architecture searched on LIP (Sec. 4.4: "we directly employ the architecture
# searched on the LIP dataset"), retrained at the paper's settings on single-person
# crops (Sec. 4.1) and tested through person crops: TopDownHuman cuts every person
# box of an image (ground-truth boxes here, the oracle; model.detector names an
# mmdet person detector and its checkpoint for real use), runs NPPNet with its flip
# and multi-scale test on each crop and pastes parsing, edges and keypoints back.
# Paper (Tab. 3, 4): val mIoU 71.73, pose mAP 42.1. Scored here with parsing IoU on
# the whole images and the per-joint multi-person AP of Tab. 4 over all persons
# (docs/evaluation.md).
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
    dict(type='mmpose.GetBBoxCenterScale', padding=1.25),
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
# the base model's NPPNet, at PASCAL's classes and joints, inside TopDownHuman
model = dict(
    _delete_=True,
    type='TopDownHuman',
    input_size=crop_size,
    padding=1.25,
    model=dict(
        type='NPPNet',
        data_preprocessor={{_base_.data_preprocessor}},
        network=dict(
            channels=128,
            num_cells=16,
            num_classes=7,
            num_keypoints=14,
            num_fusion_layers=3,
            partial_channels=2,
            head_levels=(4, 5, 6),
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            genotype='{{fileDirname}}/genotypes/nppnet_lip_paper.yaml'),
        loss_pose={{_base_.model.loss_pose}},
        loss_parsing={{_base_.model.loss_parsing}},
        loss_edge={{_base_.model.loss_edge}},
        aux_sigma={{_base_.model.aux_sigma}},
        test_cfg={{_base_.model.test_cfg}}))
val_evaluator = [
    dict(type='HumanParsingMetric'),
    dict(type='PascalPersonPartAPMetric', protocol='nppnet', prefix='pose')
]
test_evaluator = val_evaluator

# The quick-start job: HTCorrM with parsing as the main task (HNL over parsing, pose
# and edge features) on a small HRNetV2 (W18-Small) read at its stage 1, 3 and 4
# outputs as the paper's configs (HRNetTaps: G1 = stage 1, G2 = stage 3's 1/4
# branch, G3 = stage 4's 1/4 branch), trained from scratch on mmhtc's
# synthetic LIP-format data on a CPU. The loss weights are the paper's for parsing
# (alpha=1, beta=50, gamma=2); feature sizes are scaled down (C=64, ASPP dilations
# 4/8/12 at 1/4 of a 128 x 128 input, i.e. the paper's 12/24/36 at 384 x 384). The
# evaluation reports the parsing mIoU and the auxiliary outputs' scores: edge ODS /
# OIS / AP (19 thresholds), pose PCK@0.1 (normalised by the person box, the whole
# image in LIP) and LIP's PCKh@0.5.
_base_ = [
    'mmseg::_base_/models/fcn_hr18.py', '../_base_/datasets/synthetic_lip.py',
    'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)

crop_size = (128, 128)
norm_cfg = dict(type='BN', requires_grad=True)
branches = (18, 36, 72, 144)
stage1 = 256
model = dict(
    type='HumanEncoderDecoder',
    pose_decoder=dict(type='MSRAHeatmap', sigma=2),
    pretrained=None,
    data_preprocessor=dict(size=crop_size, test_cfg=dict(size_divisor=32)),
    backbone=dict(
        type='HRNetTaps',
        norm_cfg=norm_cfg,
        extra=dict(
            stage1=dict(num_blocks=(2, )),
            stage2=dict(num_blocks=(2, 2)),
            stage3=dict(num_modules=3, num_blocks=(2, 2, 2)),
            stage4=dict(num_modules=2, num_blocks=(2, 2, 2, 2)))),
    decode_head=dict(
        _delete_=True,
        type='HTCorrMSegHead',
        in_channels=[stage1, *branches[:3], *branches],
        in_index=(0, 1, 2, 3, 4, 5, 6, 7),
        channels=64,
        num_classes=20,
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0),
        core=dict(
            main='parsing',
            num_keypoints=16,
            encoders=dict(
                parsing=dict(
                    type='ParsingEncoder',
                    in_channels=(sum(branches), stage1),
                    in_index=((4, 5, 6, 7), 0),
                    aspp_channels=64,
                    dilations=(4, 8, 12)),
                pose=dict(
                    type='PoseEncoder',
                    in_channels=branches[2],
                    in_index=6,
                    mid_channels=64),
                edge=dict(
                    type='EdgeEncoder',
                    in_channels=(stage1, branches[0], branches[0]),
                    in_index=(0, 1, 4),
                    mid_channels=32)),
            hnl=dict(inter_channels=32),
            loss_weights=dict(parsing=1.0, pose=50.0, edge=2.0),
            losses=dict(
                parsing=dict(type='CrossEntropyLoss'),
                pose=dict(type='mmpose.KeypointMSELoss', use_target_weight=True),
                edge=dict(type='BalancedEdgeLoss')))))

val_evaluator = [
    dict(type='HumanParsingMetric'),
    dict(type='EdgeMetric', thresholds=19, prefix='edge'),
    dict(type='mmpose.PCKAccuracy', thr=0.1, norm_item='bbox', prefix='pose'),
    dict(type='LIPPCKhMetric'),
]
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='AdamW', lr=3e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=600, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=600, val_interval=600)
auto_scale_lr = dict(enable=False, base_batch_size=8)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=600),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
# NaNGuardHook stops at a non-finite loss (naming the term and iteration);
# NumClassesCheckHook stops before the first iteration when the model's classes or
# keypoints disagree with the dataset's (both from mmhtc).
custom_hooks = [
    dict(type='NaNGuardHook'),
    dict(type='NumClassesCheckHook'),
    dict(type='StepSeedHook')
]

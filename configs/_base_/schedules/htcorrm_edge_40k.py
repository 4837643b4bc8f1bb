# HTCorrM edge schedule (Sec. 4.2, following BDCN): SGD, lr 1e-6 (for a loss summed
# over pixels), momentum 0.9, weight decay 2e-4, 40k iterations, lr divided by 10
# every 10k. On top of mmseg's default runtime.
_base_ = ['mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-6, momentum=0.9, weight_decay=2e-4))
param_scheduler = [
    dict(
        type='MultiStepLR', milestones=[10000, 20000, 30000], gamma=0.1, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000, val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=4000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
# NaNGuardHook stops at a non-finite loss (naming the term and iteration);
# NumClassesCheckHook stops before the first iteration when the model's classes or
# keypoints disagree with the dataset's; StepSeedHook seeds the RNGs from the
# epoch and iteration so that --resume continues exactly (all from mmhtc).
custom_hooks = [
    dict(type='NaNGuardHook'),
    dict(type='NumClassesCheckHook'),
    dict(type='StepSeedHook')
]
# Total batch of the edge configs: 1 GPU x 4 images (the paper gives none);
# --auto-scale-lr scales the learning rate from it.
auto_scale_lr = dict(enable=False, base_batch_size=4)

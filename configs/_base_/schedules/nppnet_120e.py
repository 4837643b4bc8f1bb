# NPPNet retraining (Sec. 4.2): Adam, lr 1e-3, divided by 10 at epochs 85 and 105,
# 120 epochs. On top of mmseg's default runtime.
_base_ = ['mmseg::_base_/default_runtime.py']
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[85, 105], gamma=0.1, by_epoch=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=120, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=True, interval=10),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
log_processor = dict(by_epoch=True)
custom_hooks = [
    dict(type='NaNGuardHook'),
    dict(type='NumClassesCheckHook'),
    dict(type='StepSeedHook')
]
# Total batch of the NPPNet configs: 4 GPUs x 4 images (the paper gives none; it
# searches on four GPUs); --auto-scale-lr scales the learning rate from it.
auto_scale_lr = dict(enable=False, base_batch_size=16)

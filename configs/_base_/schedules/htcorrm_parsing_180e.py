# HTCorrM parsing / CE2P schedule (Sec. 4.2): SGD, lr 1e-3, momentum 0.9, weight
# decay 5e-4, poly learning rate (power 0.9), 180 epochs. On top of mmseg's default
# runtime.
_base_ = ['mmseg::_base_/default_runtime.py']
tta_model = dict(type='HumanSegTTAModel')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0,
        power=0.9,
        begin=0,
        end=180,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=180, val_interval=10)
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
# NaNGuardHook stops at a non-finite loss (naming the term and iteration);
# NumClassesCheckHook stops before the first iteration when the model's classes or
# keypoints disagree with the dataset's; StepSeedHook seeds the RNGs from the
# epoch and iteration so that --resume continues exactly (all from mmhtc).
custom_hooks = [
    dict(type='NaNGuardHook'),
    dict(type='NumClassesCheckHook'),
    dict(type='StepSeedHook')
]
# Total batch: 2 GPUs x 4 images (the paper gives none; the authors' CorrPM release);
# --auto-scale-lr scales the learning rate from it.
auto_scale_lr = dict(enable=False, base_batch_size=8)

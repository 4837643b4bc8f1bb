# HTCorrM pose schedule (Sec. 4.2, following HRNet): Adam, lr 1e-3 divided by 10 at
# epochs 100, 150, 170 and 210 of 220; total batch 32 (2 GPUs x 16). On top of
# mmpose's default runtime.
_base_ = ['mmpose::_base_/default_runtime.py']
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=220,
        milestones=[100, 150, 170, 210],
        gamma=0.1,
        by_epoch=True)
]
train_cfg = dict(by_epoch=True, max_epochs=220, val_interval=10)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    checkpoint=dict(type='AtomicCheckpointHook', save_best='auto', rule='greater'))
# NaNGuardHook stops at a non-finite loss (naming the term and iteration);
# NumClassesCheckHook stops before the first iteration when the model's classes or
# keypoints disagree with the dataset's; StepSeedHook seeds the RNGs from the
# epoch and iteration so that --resume continues exactly (all from mmhtc);
# SyncBuffersHook as in mmpose's default runtime.
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='NaNGuardHook'),
    dict(type='NumClassesCheckHook'),
    dict(type='StepSeedHook')
]
# Total batch 32 on 2 GPUs (Sec. 4.4, computational complexity); --auto-scale-lr
# scales the learning rate from it.
auto_scale_lr = dict(enable=False, base_batch_size=32)

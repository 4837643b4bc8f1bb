# One NPPNet search stage (Sec. 3.6 and 4.2): 50 epochs; the network weights
# (`architecture`, Adam, lr 1e-3) and the architecture parameters (`mutator`, Adam,
# lr 1e-3, betas (0.5, 0.999), weight decay 1e-3, as PC-DARTS; mmrazor's names)
# updated alternately on the two halves of the training split;
# both learning rates divided by 10 at epochs 35 and 45. The model's train_cfg sets
# the weight-only warm-up and when the entropy regulariser E(A) starts. The
# derived genotype is written to the work dir after each validation and at the end;
# StepSeedHook makes --resume continue exactly. Distributed runs wrap the model in
# NPPNetSearchDDP, which runs the alternating step with gradients averaged over the
# processes.
_base_ = ['mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    constructor='SearchOptimWrapperConstructor',
    architecture=dict(optimizer=dict(type='Adam', lr=1e-3)),
    mutator=dict(
        optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=1e-3)))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[35, 45], gamma=0.1, by_epoch=True)
]
model_wrapper_cfg = dict(type='NPPNetSearchDDP')
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=True, interval=5),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
log_processor = dict(by_epoch=True)
custom_hooks = [
    dict(type='NaNGuardHook'),
    dict(type='NumClassesCheckHook'),
    dict(type='StepSeedHook'),
    dict(type='DeriveGenotypeHook', threshold=0.7, max_ops=4)
]
# Total batch of the NPPNet configs: 4 GPUs x 4 images (the paper gives none; it
# searches on four GPUs); --auto-scale-lr scales both learning rates from it.
auto_scale_lr = dict(enable=False, base_batch_size=16)

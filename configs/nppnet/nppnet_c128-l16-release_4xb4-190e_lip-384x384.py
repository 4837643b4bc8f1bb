# The release's structure (nppnet_c128-l16-release_4xb4-120e_lip-384x384.py) with the
# release's retraining schedule (augment_lip_sync.py, experiments/lip/384_384.yaml):
# Adam 1.5e-3 without weight decay, 0.33 x that rate on the stems and encoder cells,
# 1e-4 on the uncertainty weights, divided by 5 at epochs 150 and 170, 190 epochs.
# The release starts the encoder from pretrained weights (its encoder.pth, not
# published): give an mmhtc-layout checkpoint with --cfg-options
# model.network.init_cfg.type=Pretrained model.network.init_cfg.checkpoint=PATH
# (matching keys are loaded, the rest reported, as the release's
# load_pretrain_backbone does).
_base_ = ['./nppnet_c128-l16-release_4xb4-120e_lip-384x384.py']
lr = 1.5e-3
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=lr),
    paramwise_cfg=dict(
        custom_keys={
            '.stem': dict(lr_mult=0.33),
            '.cells.': dict(lr_mult=0.33),
            'weighting.': dict(lr_mult=1e-4 / lr)
        }))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[150, 170], gamma=0.2, by_epoch=True)
]
train_cfg = dict(max_epochs=190)

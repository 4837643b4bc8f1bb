# Retraining the architecture found by the two demo search stages on the synthetic
# LIP data (C=8, L=4, 64 x 64; flip test), evaluating parsing and pose from the
# same model.
_base_ = ['./nppnet_search-encdec_c8-l4_1xb4-40it_synthetic-lip-64x64.py']
model = dict(
    network=dict(
        search=(),
        genotype='work_dirs/'
        'nppnet_search-interaction-fusion_c8-l4_1xb4-40it_synthetic-lip-64x64/'
        'genotype.yaml'),
    test_cfg=dict(flip=True))
train_dataloader = dict(
    batch_size=8,
    dataset={{_base_.train_dataloader.dataset.dataset}})
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
train_cfg = dict(max_iters=200, val_interval=200)
default_hooks = dict(checkpoint=dict(interval=200))
custom_hooks = [dict(type='NaNGuardHook'), dict(type='NumClassesCheckHook')]

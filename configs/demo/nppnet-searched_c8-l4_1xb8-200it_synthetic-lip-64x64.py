# Retraining the architecture found by the two demo search stages on the synthetic
# LIP data (C=8, L=4, 64 x 64; flip test), evaluating parsing and pose from the
# same model. Pass stage 2's genotype.yaml with
# --cfg-options model.network.genotype=PATH.
_base_ = ['./nppnet_search-encdec_c8-l4_1xb4-40it_synthetic-lip-64x64.py']
model = dict(
    network=dict(
        search=(),
        genotype=None,
        genotype_from='configs/demo/'
        'nppnet_search-interaction-fusion_c8-l4_1xb4-40it_synthetic-lip-64x64.py'),
    test_cfg=dict(flip=True))
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        _delete_=True,
        type='SyntheticLIPDataset',
        data_root='data/synthetic_lip',
        ann_file='TrainVal_images/train_id.txt',
        pose_file='TrainVal_pose_annotations/lip_train_set.csv',
        data_prefix=dict(
            img_path='TrainVal_images/train_images',
            seg_map_path='TrainVal_parsing_annotations/train_segmentations'),
        pipeline={{_base_.train_pipeline}}))
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
train_cfg = dict(max_iters=200, val_interval=200)
default_hooks = dict(checkpoint=dict(interval=200))
custom_hooks = [
    dict(type='NaNGuardHook'),
    dict(type='NumClassesCheckHook'),
    dict(type='StepSeedHook')
]

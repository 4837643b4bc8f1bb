# NPPNet's search on the synthetic LIP demo data at a CPU-sized scale (C=8, L=4,
# 64 x 64 input, one fusion layer): stage 1, the encoder-decoder cells. The
# schedule is the paper's in miniature, counted in iterations: 10 weight-only
# warm-up iterations, the entropy regulariser from iteration 30 (the authors' scale);
# the derived genotype is written to the work dir at the end. BN on one process.
_base_ = [
    '../_base_/models/nppnet.py', '../_base_/datasets/synthetic_lip.py',
    '../_base_/schedules/nppnet_search_50e.py'
]
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
crop_size = (64, 64)
codec = dict(
    type='MultiPersonHeatmap',
    input_size=crop_size,
    heatmap_size=(crop_size[0] // 4, crop_size[1] // 4),
    sigma=1)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadHumanAnnotations'),
    dict(type='JointRandomFlip', prob=0.5),
    dict(
        type='JointRandomAffine',
        input_size=crop_size,
        scale_range=(0.5, 1.5),
        rotate_range=40),
    dict(type='GenerateHumanEdge', edge_width=1),
    dict(type='mmpose.GenerateTarget', encoder=codec),
    dict(type='PackHumanSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    dict(type='LoadHumanAnnotations'),
    dict(type='PackHumanSegInputs'),
]
model = dict(
    data_preprocessor=dict(size=crop_size),
    network=dict(
        channels=8,
        num_cells=4,
        num_fusion_layers=1,
        search=('encoder', 'decoder'),
        norm_cfg=dict(type='BN')),
    aux_sigma=1.0,
    pose_decoder=dict(
        type='MSRAHeatmap',
        input_size=crop_size,
        heatmap_size=(crop_size[0] // 4, crop_size[1] // 4),
        sigma=1),
    train_cfg=dict(
        warmup=10,
        entropy_from=30,
        entropy_weight=0.25,
        entropy_reduction='mean',
        by_epoch=False),
    test_cfg=dict(scales=(1.0, ), flip=False))
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='SearchSplitDataset',
        dataset=dict(
            type='SyntheticLIPDataset',
            data_root='data/synthetic_lip',
            ann_file='TrainVal_images/train_id.txt',
            pose_file='TrainVal_pose_annotations/lip_train_set.csv',
            data_prefix=dict(
                img_path='TrainVal_images/train_images',
                seg_map_path='TrainVal_parsing_annotations/train_segmentations'),
            pipeline=train_pipeline)))
val_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='HumanParsingMetric'), dict(type='LIPPCKhMetric')]
test_evaluator = val_evaluator
param_scheduler = []
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=40, val_interval=40)
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=40))
log_processor = dict(by_epoch=False)
custom_hooks = [
    dict(type='NaNGuardHook'),
    dict(type='NumClassesCheckHook'),
    dict(type='StepSeedHook'),
    dict(type='DeriveGenotypeHook', by_epoch=False)
]
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)

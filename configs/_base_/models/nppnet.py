# NPPNet (ICCV 2021) at the retraining size of the paper (Sec. 4.2: C=128, L=16, 3
# pose and 3 parsing cells, 384 x 384 input; partial channels K=2 when searching;
# flip and multi-scale test from 0.5 to 1.5 in steps of 0.25). C is the channels of
# the first encoder level (twice the authors' INIT_CHANNELS). SyncBN across the GPUs.
# Losses: MSE heatmaps, cross entropy, class-balanced edges. Keypoints are decoded
# from the merged heatmaps by mmpose's MSRAHeatmap codec (input and heatmap sizes:
# those of each test input, 384 x 384 and 96 x 96 here; sigma of the training
# targets). Leaf configs set the genotype or the searched parts.
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(384, 384))
model = dict(
    type='NPPNet',
    data_preprocessor=data_preprocessor,
    network=dict(
        channels=128,
        num_cells=16,
        num_classes=20,
        num_keypoints=16,
        num_fusion_layers=3,
        partial_channels=2,
        head_levels=(4, 5, 6),
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    loss_pose=dict(type='mmpose.KeypointMSELoss', use_target_weight=True),
    loss_parsing=dict(type='mmseg.CrossEntropyLoss', avg_non_ignore=True),
    loss_edge=dict(type='BalancedEdgeLoss'),
    aux_sigma=2.0,
    pose_decoder=dict(
        type='MSRAHeatmap', input_size=(384, 384), heatmap_size=(96, 96), sigma=2),
    test_cfg=dict(scales=(0.5, 0.75, 1.0, 1.25, 1.5), flip=True))

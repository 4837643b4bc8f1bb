# HTCorrM, parsing as the main task, on DeepLabV2's ResNet-101 (deep stem, output
# stride 16: layer3 stride 2, layer4 dilation 2). G1-G3 = res2-res4; the parsing
# ASPP and the pose deconvolutions read res5 (the authors' release). C = 512. Test
# inputs are padded to a multiple of 16, the network's stride, so that the pose
# deconvolutions (1/16 -> 1/4) meet G1's size; the padding is cropped from the
# predictions.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    test_cfg=dict(size_divisor=16))
model = dict(
    type='HumanEncoderDecoder',
    pose_decoder=dict(type='MSRAHeatmap', sigma=2),
    data_preprocessor=data_preprocessor,
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(
        type='ResNetV1c',
        depth=101,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='HTCorrMSegHead',
        in_channels=[256, 512, 1024, 2048],
        in_index=(0, 1, 2, 3),
        channels=512,
        num_classes=20,
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0),
        core=dict(
            main='parsing',
            num_keypoints=16,
            encoders=dict(
                parsing=dict(
                    type='ParsingEncoder',
                    in_channels=(2048, 256),
                    in_index=(3, 0),
                    norm_cfg=norm_cfg),
                pose=dict(
                    type='PoseEncoder', in_channels=2048, in_index=3,
                    norm_cfg=norm_cfg),
                edge=dict(
                    type='EdgeEncoder',
                    in_channels=(256, 512, 1024),
                    in_index=(0, 1, 2),
                    norm_cfg=norm_cfg)),
            hnl=dict(inter_channels=256, sub_sample=True, norm_cfg=norm_cfg),
            loss_weights=dict(parsing=1.0, pose=50.0, edge=2.0),
            losses=dict(
                parsing=dict(type='CrossEntropyLoss'),
                pose=dict(type='mmpose.KeypointMSELoss', use_target_weight=True),
                edge=dict(type='BalancedEdgeLoss')))),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

# HTCorrM, human edges as the main task, on BDCN (VGG16 trunk with ID blocks). G1-G3
# = ID blocks 2-4 (1/2, 1/4, 1/8); task features are at 1/4 (ID block 3's size): the
# parsing ASPP reads ID block 5 with ID block 3 as the low-level feature, the pose
# encoder ID block 5 (1/8), brought to 1/4 by one deconvolution and one 3 x 3
# convolution. One edge logit per pixel; loss weights for edge as the main task:
# parsing 0.08, pose 200, edge 1. The trunk starts from torchvision's ImageNet VGG16,
# whose input is RGB with ImageNet's mean / std: the data preprocessor. Test inputs
# are padded to a multiple of 8, the trunk's stride (cropped from the predictions).
norm_cfg = dict(type='SyncBN', requires_grad=True)
edge_loss = dict(type='BalancedEdgeLoss', reduction='sum')
model = dict(
    type='HumanEncoderDecoder',
    pose_decoder=dict(type='MSRAHeatmap', sigma=2),
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        test_cfg=dict(size_divisor=8)),
    backbone=dict(
        type='BDCN',
        out_indices=(1, 2, 3, 4),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://vgg16')),
    decode_head=dict(
        type='HTCorrMSegHead',
        in_channels=[128, 256, 512, 512],
        in_index=(0, 1, 2, 3),
        channels=512,
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=edge_loss,
        core=dict(
            main='edge',
            num_classes=20,
            num_keypoints=16,
            size_index=1,
            encoders=dict(
                edge=dict(
                    type='EdgeEncoder',
                    in_channels=(128, 256, 512),
                    in_index=(0, 1, 2),
                    norm_cfg=norm_cfg),
                parsing=dict(
                    type='ParsingEncoder',
                    in_channels=(512, 256),
                    in_index=(3, 1),
                    norm_cfg=norm_cfg),
                pose=dict(
                    type='PoseEncoder',
                    mode='deconv+conv',
                    in_channels=512,
                    in_index=3,
                    norm_cfg=norm_cfg)),
            hnl=dict(inter_channels=256, sub_sample=True, norm_cfg=norm_cfg),
            loss_weights=dict(parsing=0.08, pose=200.0, edge=1.0),
            losses=dict(
                parsing=dict(type='CrossEntropyLoss'),
                pose=dict(type='mmpose.KeypointMSELoss', use_target_weight=True),
                edge=edge_loss))),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

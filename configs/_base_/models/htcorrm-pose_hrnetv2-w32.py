# HTCorrM, pose as the main task, on HRNetV2-W32 (HTCorrM Tab. 8): C = 32 features
# at 1/4 (64 x 64 for a 256 x 256 input). The backbone is mmpose's HRNet returning
# its stage 1, 3 and 4 outputs (HRNetTaps): G1 = stage 1 (index 0, 256 channels),
# G2 = stage 3's 1/4 branch (index 1; indices 2, 3 are its 1/8 and 1/16 branches),
# G3 = stage 4's output (index 4), which the stock top-down HRNet fuses into the 1/4
# branch alone, so the parameters are the stock HRNet-W32's. The pose feature is two
# 3 x 3 convolutions on G3; the parsing encoder's ASPP reads G3 (C = 32 channels,
# keeping the encoders light as in the paper's +0.1M parameters) and is joined with
# G1; the edge encoder reads G1, G2, G3. Loss weights for pose as the main task:
# parsing 0.001, pose 1, edge 0.0025.
branches = (32, 64, 128, 256)
stage1 = 256
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='HRNetTaps',
        in_channels=3,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(4, ),
                num_channels=(64, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(4, 4),
                num_channels=branches[:2]),
            stage3=dict(
                num_modules=4,
                num_branches=3,
                block='BASIC',
                num_blocks=(4, 4, 4),
                num_channels=branches[:3]),
            stage4=dict(
                num_modules=3,
                num_branches=4,
                block='BASIC',
                num_blocks=(4, 4, 4, 4),
                num_channels=branches,
                multiscale_output=False)),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmpose/'
            'pretrain_models/hrnet_w32-36af842e.pth')),
    head=dict(
        type='HTCorrMPoseHead',
        in_channels=branches[0],
        out_channels=16,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=dict(
            type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2),
        core=dict(
            num_classes=20,
            encoders=dict(
                pose=dict(
                    type='PoseEncoder',
                    mode='conv',
                    in_channels=branches[0],
                    in_index=4,
                    mid_channels=branches[0]),
                parsing=dict(
                    type='ParsingEncoder',
                    in_channels=(branches[0], stage1),
                    in_index=(4, 0),
                    aspp_channels=branches[0]),
                edge=dict(
                    type='EdgeEncoder',
                    in_channels=(stage1, branches[0], branches[0]),
                    in_index=(0, 1, 4),
                    mid_channels=branches[0])),
            hnl=dict(inter_channels=branches[0] // 2),
            loss_weights=dict(parsing=0.001, pose=1.0, edge=0.0025),
            losses=dict(
                parsing=dict(type='mmseg.CrossEntropyLoss'),
                pose=dict(type='KeypointMSELoss', use_target_weight=True),
                edge=dict(type='BalancedEdgeLoss')))),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

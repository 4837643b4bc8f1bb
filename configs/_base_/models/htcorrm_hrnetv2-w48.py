# HTCorrM, parsing as the main task, on HRNetV2-W48 (the unified backbone). The
# backbone is mmseg's HRNetV2 returning its stage 1, 3 and 4 outputs (HRNetTaps):
# index 0 is stage 1 (256 channels at 1/4), 1-3 stage 3's branches (1/4 .. 1/16),
# 4-7 stage 4's (1/4 .. 1/32). G1 = stage 1, G2 = stage 3's 1/4 branch, G3 = stage
# 4's 1/4 branch (HTCorrM Sec. 4.2). The parsing ASPP reads HRNetV2's representation
# (stage 4's branches at 1/4) and is joined with G1, the pose deconvolutions read
# stage 4's 1/16 branch, so that every task feature is at 1/4. C = 512. Test inputs
# are padded to a multiple of 32, HRNet's stride (cropped from the predictions).
_base_ = ['mmseg::_base_/models/fcn_hr18.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
branches = (48, 96, 192, 384)
stage1 = 256
model = dict(
    type='HumanEncoderDecoder',
    pose_decoder=dict(type='MSRAHeatmap', sigma=2),
    data_preprocessor=dict(test_cfg=dict(size_divisor=32)),
    pretrained='open-mmlab://msra/hrnetv2_w48',
    backbone=dict(
        type='HRNetTaps',
        norm_cfg=norm_cfg,
        extra=dict(
            stage2=dict(num_channels=branches[:2]),
            stage3=dict(num_channels=branches[:3]),
            stage4=dict(num_channels=branches))),
    decode_head=dict(
        _delete_=True,
        type='HTCorrMSegHead',
        in_channels=[stage1, *branches[:3], *branches],
        in_index=(0, 1, 2, 3, 4, 5, 6, 7),
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
                    in_channels=(sum(branches), stage1),
                    in_index=((4, 5, 6, 7), 0),
                    norm_cfg=norm_cfg),
                pose=dict(
                    type='PoseEncoder',
                    in_channels=branches[2],
                    in_index=6,
                    norm_cfg=norm_cfg),
                edge=dict(
                    type='EdgeEncoder',
                    in_channels=(stage1, branches[0], branches[0]),
                    in_index=(0, 1, 4),
                    norm_cfg=norm_cfg)),
            hnl=dict(inter_channels=256, sub_sample=True, norm_cfg=norm_cfg),
            loss_weights=dict(parsing=1.0, pose=50.0, edge=2.0),
            losses=dict(
                parsing=dict(type='CrossEntropyLoss'),
                pose=dict(type='mmpose.KeypointMSELoss', use_target_weight=True),
                edge=dict(type='BalancedEdgeLoss')))))

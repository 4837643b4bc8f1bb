# HTCorrM, parsing as the main task, on HRNetV2-W48 (the unified backbone). mmseg's
# HRNet returns the four stage-4 branches (1/4 .. 1/32): G1-G3 are branches 0-2, the
# parsing ASPP reads HRNetV2's representation (all branches at 1/4) and the pose
# deconvolutions the 1/16 branch, so that every task feature is at 1/4. C = 512.
_base_ = ['mmseg::_base_/models/fcn_hr18.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
branches = (48, 96, 192, 384)
model = dict(
    pretrained='open-mmlab://msra/hrnetv2_w48',
    backbone=dict(
        norm_cfg=norm_cfg,
        extra=dict(
            stage2=dict(num_channels=branches[:2]),
            stage3=dict(num_channels=branches[:3]),
            stage4=dict(num_channels=branches))),
    decode_head=dict(
        _delete_=True,
        type='HTCorrMSegHead',
        in_channels=list(branches),
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
                    in_channels=(sum(branches), branches[0]),
                    in_index=((0, 1, 2, 3), 0),
                    norm_cfg=norm_cfg),
                pose=dict(
                    type='PoseEncoder',
                    in_channels=branches[2],
                    in_index=2,
                    norm_cfg=norm_cfg),
                edge=dict(
                    type='EdgeEncoder',
                    in_channels=branches[:3],
                    in_index=(0, 1, 2),
                    norm_cfg=norm_cfg)),
            hnl=dict(inter_channels=256, sub_sample=True, norm_cfg=norm_cfg),
            loss_weights=dict(parsing=1.0, pose=50.0, edge=2.0),
            losses=dict(
                parsing=dict(type='CrossEntropyLoss'),
                pose=dict(type='mmpose.KeypointMSELoss', use_target_weight=True),
                edge=dict(type='BalancedEdgeLoss')))))

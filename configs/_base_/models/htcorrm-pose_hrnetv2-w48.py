# HTCorrM, pose as the main task, on HRNetV2-W48 (HTCorrM Tab. 8): the W32 model
# with 48-channel branches, C = 48 task features and 24 HNL channels; the same
# stage outputs (G1 = stage 1 with 256 channels, G2 = stage 3's 1/4 branch, G3 =
# stage 4's output).
_base_ = ['./htcorrm-pose_hrnetv2-w32.py']
branches = (48, 96, 192, 384)
stage1 = 256
model = dict(
    backbone=dict(
        extra=dict(
            stage2=dict(num_channels=branches[:2]),
            stage3=dict(num_channels=branches[:3]),
            stage4=dict(num_channels=branches)),
        init_cfg=dict(checkpoint='https://download.openmmlab.com/mmpose/'
                      'pretrain_models/hrnet_w48-8ef0771d.pth')),
    head=dict(
        in_channels=branches[0],
        core=dict(
            encoders=dict(
                pose=dict(in_channels=branches[0], mid_channels=branches[0]),
                parsing=dict(
                    in_channels=(branches[0], stage1), aspp_channels=branches[0]),
                edge=dict(
                    in_channels=(stage1, branches[0], branches[0]),
                    mid_channels=branches[0])),
            hnl=dict(inter_channels=branches[0] // 2))))

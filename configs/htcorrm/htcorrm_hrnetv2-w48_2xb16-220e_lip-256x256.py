# HTCorrM, pose as the main task, HRNetV2-W48, on LIP (Tab. 8: pose + parsing +
# edge).
_base_ = './htcorrm_hrnetv2-w32_2xb16-220e_lip-256x256.py'
model = dict(backbone=dict(
    extra=dict(stage2=dict(num_channels=(48, 96)),
               stage3=dict(num_channels=(48, 96, 192)),
               stage4=dict(num_channels=(48, 96, 192, 384))),
    init_cfg=dict(checkpoint='https://download.openmmlab.com/mmpose/'
                  'pretrain_models/hrnet_w48-8ef0771d.pth')),
             head=dict(in_channels=48,
                       core=dict(encoders=dict(pose=dict(in_channels=48,
                                                         mid_channels=48),
                                               parsing=dict(in_channels=(48,
                                                                         48),
                                                            aspp_channels=48),
                                               edge=dict(in_channels=(48, 96,
                                                                      192),
                                                         mid_channels=48)),
                                 hnl=dict(inter_channels=24))))

# HTCorrM Tab. 8 baseline on MPII: HRNetV2-W32 and the pose encoder only.
_base_ = './htcorrm_hrnetv2-w32_2xb16-220e_mpii-256x256.py'
# Only the 1/4 branch is read, so HRNet fuses its last stage into that branch alone,
# as the stock top-down HRNet does.
model = dict(
    backbone=dict(extra=dict(stage4=dict(multiscale_output=False))),
    head=dict(
        core=dict(fusion='none', encoders=dict(parsing=None, edge=None))))

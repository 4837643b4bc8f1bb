# HTCorrM Tab. 8 baseline on MPII: HRNetV2-W32 and the pose encoder only.
_base_ = './htcorrm_hrnetv2-w32_2xb16-220e_mpii-256x256.py'
model = dict(
    head=dict(core=dict(fusion='none', encoders=dict(parsing=None, edge=None))))

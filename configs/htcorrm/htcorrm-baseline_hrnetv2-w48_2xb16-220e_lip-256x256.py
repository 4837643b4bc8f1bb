# HTCorrM Tab. 8 baseline on LIP: HRNetV2-W48 and the pose encoder only.
_base_ = './htcorrm_hrnetv2-w48_2xb16-220e_lip-256x256.py'
model = dict(
    head=dict(core=dict(fusion='none', encoders=dict(parsing=None, edge=None))))

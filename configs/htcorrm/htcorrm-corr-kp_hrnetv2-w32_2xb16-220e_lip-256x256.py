# HTCorrM Tab. 8 on LIP: HRNetV2-W32, pose correlated with parsing.
_base_ = './htcorrm_hrnetv2-w32_2xb16-220e_lip-256x256.py'
model = dict(head=dict(core=dict(hybrid=('pose', 'parsing'), encoders=dict(edge=None))))

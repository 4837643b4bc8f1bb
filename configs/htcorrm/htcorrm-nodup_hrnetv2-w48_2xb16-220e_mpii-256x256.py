# HTCorrM Tab. 8 dagger on MPII: HRNetV2-W48 without the "duplicated" pose feature
# in the hybrid (parsing and edge only).
_base_ = './htcorrm_hrnetv2-w48_2xb16-220e_mpii-256x256.py'
model = dict(head=dict(core=dict(hybrid=('parsing', 'edge'))))

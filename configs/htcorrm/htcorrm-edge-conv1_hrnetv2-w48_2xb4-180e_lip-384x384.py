# HTCorrM Tab. 10b: the edge encoder as one 3 x 3 convolution on G3 only.
_base_ = './htcorrm_hrnetv2-w48_2xb4-180e_lip-384x384.py'
model = dict(decode_head=dict(core=dict(encoders=dict(edge=dict(mode='single')))))

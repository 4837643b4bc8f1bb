# HTCorrM Tab. 7 (CIHP, DeepLabV2), method 6: correlation of parsing with edge.
_base_ = './htcorrm_r101-d16_2xb4-180e_cihp-384x384.py'
model = dict(
    decode_head=dict(core=dict(hybrid=('parsing', 'edge'), encoders=dict(pose=None))))

# HTCorrM Tab. 7 (CIHP, DeepLabV2), method 1: self-attention (standard non-local) on
# the parsing feature.
_base_ = './htcorrm_r101-d16_2xb4-180e_cihp-384x384.py'
model = dict(
    decode_head=dict(core=dict(hybrid=(), encoders=dict(pose=None, edge=None))))

# HTCorrM Tab. 7 (CIHP, DeepLabV2), method 9: the pose feature twice in the hybrid.
_base_ = './htcorrm_r101-d16_2xb4-180e_cihp-384x384.py'
model = dict(
    decode_head=dict(
        core=dict(hybrid=('parsing', 'pose', 'pose'), encoders=dict(edge=None))))

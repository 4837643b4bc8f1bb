# HTCorrM Tab. 7 (CIHP, DeepLabV2), method 4: concatenation of parsing and pose
# features.
_base_ = './htcorrm_r101-d16_2xb4-180e_cihp-384x384.py'
model = dict(
    decode_head=dict(
        core=dict(
            fusion='concat', hybrid=('parsing', 'pose'), encoders=dict(edge=None))))

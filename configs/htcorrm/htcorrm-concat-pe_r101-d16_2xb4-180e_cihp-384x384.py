# HTCorrM Tab. 7 (CIHP, DeepLabV2), method 3: concatenation of parsing and edge
# features.
_base_ = './htcorrm_r101-d16_2xb4-180e_cihp-384x384.py'
model = dict(
    decode_head=dict(
        core=dict(
            fusion='concat', hybrid=('parsing', 'edge'), encoders=dict(pose=None))))

# HTCorrM Tab. 7 (CIHP, DeepLabV2), method 2: multi-task learning, the parsing
# encoder's output, no HNL.
_base_ = './htcorrm_r101-d16_2xb4-180e_cihp-384x384.py'
model = dict(decode_head=dict(core=dict(fusion='none')))

# HTCorrM Tab. 9 baseline: hrnetv2-w48 and the edge encoder only.
_base_ = './htcorrm-edge_hrnetv2-w48_1xb4-40k_lip-384x384.py'
model = dict(
    decode_head=dict(core=dict(fusion='none', encoders=dict(parsing=None, pose=None))))

# HTCorrM Tab. 9: bdcn, edge correlated with parsing.
_base_ = './htcorrm-edge_bdcn_1xb4-40k_lip-384x384.py'
model = dict(
    decode_head=dict(core=dict(hybrid=('edge', 'parsing'), encoders=dict(pose=None))))

# As nppnet_c128-l16_4xb4-120e_lip-384x384.py with C=64, the width of the authors'
# released retraining config (the paper's text says 128).
_base_ = ['./nppnet_c128-l16_4xb4-120e_lip-384x384.py']
model = dict(network=dict(channels=64))

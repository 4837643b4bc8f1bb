# HTCorrM Tab. 10a: the pose encoder with two 3 x 3 convolutions instead of two
# transposed convolutions (it reads stage 4's 1/4 branch, G3, as the conv layers
# keep the size).
_base_ = './htcorrm_hrnetv2-w48_2xb4-180e_lip-384x384.py'
model = dict(
    decode_head=dict(
        core=dict(encoders=dict(pose=dict(mode='conv', in_channels=48, in_index=4)))))

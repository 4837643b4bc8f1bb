# HTCorrM, parsing as the main task, on LIP, with the structure of the authors'
# CorrPM release: the conversion target of tools/model_converters/corrpm_to_mmhtc.py
# (docs/model_zoo.md, "Converting the authors' CorrPM release"). Its weights come
# from the converted release, so there is no ImageNet initialisation.
#
# Where it differs from htcorrm_r101-d16_2xb4-180e_lip-384x384.py:
# - backbone: the release's 64-64-128 deep stem and dilation 2 in every layer4
#   block (mmseg's ImageNet ResNetV1c has a 32-32-64 stem);
# - input: BGR images normalised with the RGB-ordered ImageNet statistics, as the
#   release feeds OpenCV images to torchvision's Normalize;
# - InPlace-ABN's leaky ReLU (slope 0.01) after the ASPP, decoder, edge laterals
#   and the HNL hybrid's W1 (conv_fuse);
# - edge fusion: one 1 x 1 convolution without bias (edge_layer.conv6), not the
#   paper's 3 x 3 + 1 x 1, after resizing the laterals with align_corners=True;
# - resizing of logits to the label and image size with align_corners=True, and no
#   dropout before the final classifier;
# - test input: WarpToCanvas (below) instead of the keep-ratio resize;
# - loss: CE(HNL parsing) + CE(coarse parsing) + 2 * edge + 70 * MSE(pose), the
#   cross entropies averaged over the labelled pixels (torch's CrossEntropyLoss).
_base_ = ['./htcorrm_r101-d16_2xb4-180e_lip-384x384.py']
leaky_relu = dict(type='LeakyReLU', negative_slope=0.01)
model = dict(
    pretrained=None,
    data_preprocessor=dict(bgr_to_rgb=False),
    backbone=dict(stem_channels=128, contract_dilation=False),
    decode_head=dict(
        dropout_ratio=0.0,
        align_corners=True,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0, avg_non_ignore=True),
        core=dict(
            encoders=dict(
                parsing=dict(act_cfg=leaky_relu),
                edge=dict(fuse='conv1x1', act_cfg=leaky_relu, align_corners=True)),
            hnl=dict(hybrid_act_cfg=leaky_relu),
            loss_weights=dict(parsing=1.0, pose=70.0, edge=2.0),
            losses=dict(parsing=dict(type='CrossEntropyLoss', avg_non_ignore=True)))))
# The release's test protocol: the whole image warped, aspect kept and centred,
# into a 384 x 384 canvas with black borders; logits upsampled with
# align_corners=True; the prediction warped back with nearest-neighbour.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='WarpToCanvas', size=(384, 384)),
    dict(type='LoadHumanAnnotations'),
    dict(type='PackHumanSegInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# NPPNet with the structure of the authors' release (GuHuangAI/NPP,
# models/model_augment.py) around the published architecture, at the paper's size and
# schedule (C=128, L=16, 384 x 384, Adam 1e-3 for 120 epochs). Every option below is
# where the release does what the paper leaves open; together they give the release's
# 76,981,324 parameters, and the weights converted by
# tools/model_converters/npp_to_mmhtc.py load into this model. The release's own
# retraining schedule: nppnet_c128-l16-release_4xb4-190e_lip-384x384.py.
_base_ = ['./nppnet_c128-l16_4xb4-120e_lip-384x384.py']
model = dict(
    network=dict(
        # encoder level 0, then the decoder outputs at 1/4, 1/8, 1/16
        head_levels=(0, 6, 5, 4),
        align_corners=True,
        deep_stem=True,
        op_cfg=dict(se_reduce='avg_pool', pooled_conv_bias=True),
        interaction_projection='conv_bias',
        interaction_reads='interacted',
        high_level_channels=dict(pose=512, pose_aux=384, parsing=512, edge=384),
        high_level_preact=True,
        heads=dict(
            pose=dict(channels=256, kernel_size=1),
            pose_aux=dict(channels=128, kernel_size=3),
            parsing=dict(channels=256, kernel_size=1),
            edge=dict(channels=6, kernel_size=3, bias=False)),
        edge_classes=2,
        final_outputs=('pose', 'pose_aux', 'parsing', 'edge')),
    align_corners=True)
# the norm layer of every stride-1 SE connect is built but unused, as in the release
find_unused_parameters = True

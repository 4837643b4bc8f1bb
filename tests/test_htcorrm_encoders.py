"""EdgeEncoder's fusions (the paper's 3 x 3 + 1 x 1, the release's 1 x 1), the encoders'
activation checkpointing and PoseEncoder's size check."""
import pytest
import torch
import torch.nn.functional as F

from mmhtc.models.layers.encoders import EdgeEncoder, ParsingEncoder, PoseEncoder

IN_CHANNELS = (4, 6, 8)
MID, OUT = 5, 7


def levels(batch: int = 2):
    """G1-G3 at 8 x 8, 4 x 4 and 2 x 2."""
    gen = torch.Generator().manual_seed(0)
    return [
        torch.randn(batch, c, 8 // 2**i, 8 // 2**i, generator=gen)
        for i, c in enumerate(IN_CHANNELS)
    ]


def num_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


# laterals: a 1 x 1 convolution without bias and a BN (weight, bias) per level
LATERALS = sum(IN_CHANNELS) * MID + len(IN_CHANNELS) * 2 * MID  # 120


@pytest.mark.parametrize(
    'fuse,params',
    [
        # 3 x 3 (15 -> 5, no bias) + BN, then 1 x 1 (5 -> 7) with bias
        ('conv3x3+1x1', LATERALS + 15 * MID * 9 + 2 * MID + MID * OUT + OUT),
        # one 1 x 1 (15 -> 7) without bias
        ('conv1x1', LATERALS + 15 * OUT),
    ])
def test_fusion_shapes_and_parameters(fuse, params):
    encoder = EdgeEncoder(IN_CHANNELS, OUT, mid_channels=MID, fuse=fuse)
    assert num_params(encoder) == params
    assert encoder(levels()).shape == (2, OUT, 8, 8)
    assert encoder(levels(), size=(6, 6)).shape == (2, OUT, 6, 6)


def test_default_is_the_papers_fusion():
    encoder = EdgeEncoder(IN_CHANNELS, OUT, mid_channels=MID)
    assert [k for k in encoder.state_dict() if k.startswith('fuse.')] == [
        'fuse.0.conv.weight', 'fuse.0.bn.weight', 'fuse.0.bn.bias',
        'fuse.0.bn.running_mean', 'fuse.0.bn.running_var',
        'fuse.0.bn.num_batches_tracked', 'fuse.1.weight', 'fuse.1.bias'
    ]


def test_release_fusion_is_one_linear_map_of_the_laterals():
    encoder = EdgeEncoder(IN_CHANNELS, OUT, mid_channels=MID, fuse='conv1x1').eval()
    assert [k for k in encoder.state_dict() if k.startswith('fuse.')] == ['fuse.weight']
    feats = levels()
    with torch.no_grad():
        laterals = torch.cat([
            F.interpolate(
                F.relu(
                    F.batch_norm(
                        F.conv2d(x, lateral.conv.weight), lateral.bn.running_mean,
                        lateral.bn.running_var, lateral.bn.weight, lateral.bn.bias)),
                size=(8, 8),
                mode='bilinear',
                align_corners=False) for lateral, x in zip(encoder.lateral, feats)
        ], 1)
        expected = torch.einsum('oc,bchw->bohw', encoder.fuse.weight[:, :, 0, 0],
                                laterals)
        torch.testing.assert_close(encoder(feats), expected)


@pytest.mark.parametrize('kwargs,match', [
    (dict(fuse='conv3x3'), "fuse must be 'conv3x3\\+1x1' or 'conv1x1'"),
    (dict(mode='single', fuse='conv1x1'), "needs mode='multi'"),
])
def test_bad_fusion_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EdgeEncoder(IN_CHANNELS, OUT, mid_channels=MID, **kwargs)


def feature(channels: int, size: int) -> torch.Tensor:
    return torch.randn(2, channels, size, size).requires_grad_()


def encoder_case(task: str, with_cp: bool):
    """An encoder at a small size, its inputs requiring grad, other arguments."""
    torch.manual_seed(1)
    if task == 'parsing':
        encoder = ParsingEncoder((8, 4),
                                 OUT,
                                 aspp_channels=4,
                                 dilations=(1, 2, 3),
                                 with_cp=with_cp)
        return encoder, [feature(8, 2), feature(4, 8)], ()
    if task == 'pose':
        encoder = PoseEncoder(8, OUT, mid_channels=4, with_cp=with_cp)
        return encoder, [feature(8, 2)], ((8, 8), )
    encoder = EdgeEncoder(IN_CHANNELS, OUT, mid_channels=MID, with_cp=with_cp)
    return encoder, [x.requires_grad_() for x in levels()], ()


def saved_bytes(function) -> int:
    """Bytes of the tensors autograd keeps for the backward of ``function()``."""
    sizes = []

    def pack(tensor):
        sizes.append(tensor.numel() * tensor.element_size())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        function()
    return sum(sizes)


@pytest.mark.parametrize('task', ['parsing', 'pose', 'edge'])
def test_checkpointing_keeps_outputs_gradients_and_statistics(task):
    results, saved = [], []
    for with_cp in (False, True):
        encoder, tensors, extra = encoder_case(task, with_cp)
        args = (tensors, ) + extra if task == 'edge' else (*tensors, *extra)
        outputs = []
        torch.manual_seed(2)  # the parsing encoder's dropout mask
        saved.append(saved_bytes(lambda: outputs.append(encoder(*args))))
        grads = torch.autograd.grad(outputs[0].square().sum(),
                                    tensors + list(encoder.parameters()))
        results.append([outputs[0], *grads, *encoder.buffers()])
    for plain, checkpointed in zip(*results):
        torch.testing.assert_close(checkpointed, plain)
    # Checkpointed, the encoder keeps only its inputs for the backward pass.
    assert saved[1] == sum(t.numel() * 4 for t in tensors)
    assert saved[0] > 2 * saved[1]


def test_pose_feature_of_another_size_is_an_error():
    encoder = PoseEncoder(8, OUT, mid_channels=4)
    # 377 x 130 resized to 384 x 132, unpadded: 1/16 is 24 x 9, x4 is 96 x 36.
    with pytest.raises(
            ValueError,
            match=r'PoseEncoder: its \(24, 9\) input '
            r'gives a \(96, 36\) feature, but the task features '
            r'are \(96, 33\)'):
        encoder(torch.zeros(1, 8, 24, 9), (96, 33))


def test_core_threads_with_cp_to_encoders_and_hnl():
    from mmhtc.models.heads.htcorrm_core import HTCorrMCore

    def build(with_cp):
        torch.manual_seed(0)
        return HTCorrMCore(
            main='parsing',
            channels=8,
            num_classes=3,
            num_keypoints=2,
            encoders=dict(
                parsing=dict(
                    type='ParsingEncoder',
                    in_channels=(8, 4),
                    in_index=(1, 0),
                    aspp_channels=4,
                    dilations=(1, 2, 3),
                    dropout=0.0),
                pose=dict(
                    type='PoseEncoder', in_channels=8, in_index=1, mid_channels=4),
                edge=dict(
                    type='EdgeEncoder',
                    in_channels=(4, 4, 8),
                    in_index=(0, 0, 1),
                    mid_channels=4)),
            hnl=dict(inter_channels=4),
            loss_weights=dict(parsing=1.0, pose=1.0, edge=1.0),
            losses=dict(
                parsing=dict(type='CrossEntropyLoss', avg_non_ignore=True),
                pose=dict(type='mmpose.KeypointMSELoss'),
                edge=dict(type='BalancedEdgeLoss')),
            with_cp=with_cp).train()

    results = []
    for with_cp in (False, True):
        core = build(with_cp)
        assert [m.with_cp for m in (*core.encoders.values(), core.hnl)] == [with_cp] * 4
        feats = [feature(4, 8), feature(8, 2)]
        refined = core(feats)['refined']
        results.append([
            refined, *torch.autograd.grad(
                refined.square().sum(),
                feats + list(core.encoders.parameters()) + list(core.hnl.parameters()))
        ])
    for plain, checkpointed in zip(*results):
        torch.testing.assert_close(checkpointed, plain)

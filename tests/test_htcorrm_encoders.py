"""EdgeEncoder's fusions: the paper's 3 x 3 + 1 x 1 and the release's 1 x 1."""
import pytest
import torch
import torch.nn.functional as F

from mmhtc.models.layers.encoders import EdgeEncoder

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


@pytest.mark.parametrize('fuse,params', [
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
    encoder = EdgeEncoder(
        IN_CHANNELS, OUT, mid_channels=MID, fuse='conv1x1').eval()
    assert [k for k in encoder.state_dict()
            if k.startswith('fuse.')] == ['fuse.weight']
    feats = levels()
    with torch.no_grad():
        laterals = torch.cat([
            F.interpolate(
                F.relu(
                    F.batch_norm(
                        F.conv2d(x, lateral.conv.weight),
                        lateral.bn.running_mean, lateral.bn.running_var,
                        lateral.bn.weight, lateral.bn.bias)),
                size=(8, 8),
                mode='bilinear',
                align_corners=False)
            for lateral, x in zip(encoder.lateral, feats)
        ], 1)
        expected = torch.einsum('oc,bchw->bohw', encoder.fuse.weight[:, :, 0,
                                                                     0],
                                laterals)
        torch.testing.assert_close(encoder(feats), expected)


@pytest.mark.parametrize('kwargs,match', [
    (dict(fuse='conv3x3'), "fuse must be 'conv3x3\\+1x1' or 'conv1x1'"),
    (dict(mode='single', fuse='conv1x1'), "needs mode='multi'"),
])
def test_bad_fusion_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EdgeEncoder(IN_CHANNELS, OUT, mid_channels=MID, **kwargs)

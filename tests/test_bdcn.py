"""BDCN backbone: shapes, registries, parameter counts, SEM receptive field."""
import math

import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope

import mmhtc  # noqa: F401
from mmhtc.models.backbones import BDCN
from mmhtc.models.backbones.bdcn import SEM
from mmhtc.registry import POSE_MODELS, SEG_MODELS

CHANNELS = (64, 128, 256, 512, 512)
STRIDES = (1, 2, 4, 8, 8)
ALL_BLOCKS = (0, 1, 2, 3, 4)
#: VGG16's conv1_1 .. conv5_3 as (in, out) channels.
VGG16_CONVS = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256),
               (256, 256), (256, 256), (256, 512), (512, 512), (512, 512),
               (512, 512), (512, 512), (512, 512)]
CONVS_PER_BLOCK = (2, 2, 3, 3, 3)


def num_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.fixture(scope='module', autouse=True)
def single_thread():
    """Inputs are tiny: one thread avoids OpenMP overhead on busy machines."""
    num_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(num_threads)


@pytest.fixture(scope='module')
def bdcn_sides() -> BDCN:
    torch.manual_seed(0)
    return BDCN(out_indices=ALL_BLOCKS, with_side_outputs=True)


@pytest.fixture(scope='module')
def bdcn_trunk() -> BDCN:
    return BDCN(out_indices=ALL_BLOCKS)


@pytest.mark.parametrize('height, width', [(64, 64), (65, 49)])
@pytest.mark.parametrize('with_side_outputs', [False, True])
def test_output_shapes(bdcn_sides, bdcn_trunk, height, width,
                       with_side_outputs):
    model = bdcn_sides if with_side_outputs else bdcn_trunk
    with torch.no_grad():
        outs = model(torch.rand(1, 3, height, width))

    assert model.out_channels == list(CHANNELS)
    assert len(outs) == 5 + with_side_outputs
    for feat, channels, stride in zip(outs, CHANNELS, STRIDES):
        assert feat.shape == (1, channels, math.ceil(height / stride),
                              math.ceil(width / stride))
    if with_side_outputs:
        edges = outs[-1]
        assert isinstance(edges, list) and len(edges) == 11
        for edge in edges:
            assert edge.shape == (1, 1, height, width)


def test_out_indices_select_and_order(bdcn_sides):
    model = BDCN()
    assert model.out_indices == (1, 2, 3)
    assert model.out_channels == [128, 256, 512]

    model = BDCN(out_indices=[4, 0])
    assert model.out_channels == [512, 64]
    model.load_state_dict(bdcn_sides.state_dict(), strict=False)
    x = torch.rand(1, 3, 20, 12)
    with torch.no_grad():
        outs = model(x)
        all_outs = bdcn_sides(x)
    assert len(outs) == 2
    assert torch.equal(outs[0], all_outs[4])
    assert torch.equal(outs[1], all_outs[0])

    with pytest.raises(ValueError, match='out_indices'):
        BDCN(out_indices=(5, ))


def test_cascade_detaches_other_blocks(bdcn_sides):
    """An s2d map trains only its own block; the fused map trains all."""
    edges = bdcn_sides(torch.rand(1, 3, 12, 12))[-1]

    def blocks_with_grad(logits: torch.Tensor) -> list:
        bdcn_sides.zero_grad(set_to_none=True)
        logits.sum().backward(retain_graph=True)
        return [
            i for i, side in enumerate(bdcn_sides.sides)
            if side.score_s2d.weight.grad is not None
            or side.score_d2s.weight.grad is not None
        ]

    assert blocks_with_grad(edges[2]) == [2]  # s2d of block 2
    assert blocks_with_grad(edges[5 + 2]) == [2]  # d2s of block 2
    assert blocks_with_grad(edges[10]) == list(ALL_BLOCKS)
    bdcn_sides.zero_grad(set_to_none=True)
    sum(edge.sum() for edge in edges).backward()
    assert all(p.grad is not None for p in bdcn_sides.parameters())
    bdcn_sides.zero_grad(set_to_none=True)


def test_bn_variant():
    model = BDCN(
        out_indices=ALL_BLOCKS,
        with_side_outputs=True,
        norm_cfg=dict(type='BN'))
    convs = [m for m in model.stages.modules() if isinstance(m, nn.Conv2d)]
    norms = [
        m for m in model.stages.modules() if isinstance(m, nn.BatchNorm2d)
    ]
    assert len(convs) == len(norms) == 13
    assert all(conv.bias is None for conv in convs)
    sem_norms = [
        m for m in model.sides.modules() if isinstance(m, nn.BatchNorm2d)
    ]
    assert len(sem_norms) == 4 * sum(CONVS_PER_BLOCK)

    model.train()
    outs = model(torch.rand(2, 3, 17, 15))
    for feat, channels, stride in zip(outs, CHANNELS, STRIDES):
        assert feat.shape == (2, channels, math.ceil(17 / stride),
                              math.ceil(15 / stride))
    assert all(edge.shape == (2, 1, 17, 15) for edge in outs[-1])


@pytest.mark.parametrize('scope, registry', [('mmseg', SEG_MODELS),
                                             ('mmpose', POSE_MODELS)])
def test_build_from_registry(scope, registry):
    init_default_scope(scope)
    model = registry.build(dict(type='BDCN', out_indices=(3, )))
    assert type(model) is BDCN
    assert model.out_channels == [512]


def test_parameter_counts(bdcn_sides, bdcn_trunk):
    vgg16 = sum(9 * c_in * c_out + c_out for c_in, c_out in VGG16_CONVS)
    assert vgg16 == 14_714_688
    assert num_params(bdcn_trunk) == vgg16
    assert num_params(bdcn_sides.stages) == vgg16

    sem_3x3 = 9 * 32 * 32 + 32
    sides = 0
    for c, num_convs in zip(CHANNELS, CONVS_PER_BLOCK):
        sem = (9 * c * 32 + 32) + 3 * sem_3x3
        down = 32 * 21 + 21
        sides += num_convs * (sem + down) + 2 * (21 + 1)
    assert num_params(bdcn_sides.sides) == sides
    assert num_params(bdcn_sides.fuse) == 10 + 1
    assert num_params(bdcn_sides) == vgg16 + sides + 11


def test_sem_impulse_response():
    """All-ones SEM on an impulse: the union of three dilated 3x3 patterns.

    The first 3x3 conv spreads the impulse over the 3x3 square around it, each
    of the 32 channels being 1 there. A branch with dilation d reads its input
    at offsets {-d, 0, d}, so its support along an axis is
    A_d = {-1, 0, 1} + {-d, 0, d}, and in 2-D A_d x A_d (81 pixels). For
    d = 4, 8, 12 the three supports share only the central 3x3 square, so the
    union has 3 * 81 - 2 * 9 = 225 pixels and spans 2 * 13 + 1 = 27 pixels.
    A branch pixel sums one tap over 32 channels of ones: 32. The central
    square gets the first conv's 1 plus 32 from each branch: 97.
    """
    sem = SEM(in_channels=1, channels=32, rate=4)
    for name, param in sem.named_parameters():
        nn.init.constant_(param, 1 if name.endswith('weight') else 0)
    size, c = 41, 20
    impulse = torch.zeros(1, 1, size, size)
    impulse[0, 0, c, c] = 1
    with torch.no_grad():
        out = sem(impulse)

    expected = torch.zeros(size, size)
    for d in (4, 8, 12):
        axis = [c + t + k for t in (-d, 0, d) for k in (-1, 0, 1)]
        for y in axis:
            for x in axis:
                expected[y, x] = 32
    expected[c - 1:c + 2, c - 1:c + 2] = 1 + 3 * 32

    assert out.shape == (1, 32, size, size)
    for channel in out[0]:
        assert torch.equal(channel, expected)
    support = expected.nonzero()
    assert len(support) == 225
    assert support.min(0).values.tolist() == [c - 13, c - 13]
    assert support.max(0).values.tolist() == [c + 13, c + 13]

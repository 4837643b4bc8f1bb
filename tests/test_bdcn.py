"""BDCN backbone: shapes, registries, parameter counts, VGG16 initialisation."""
import math
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.model import BaseModule
from mmengine.registry import init_default_scope
from torchvision.models.vgg import cfgs, make_layers

import mmhtc  # noqa: F401
from mmhtc.models.backbones import BDCN
from mmhtc.registry import POSE_MODELS, SEG_MODELS

CHANNELS = (64, 128, 256, 512, 512)
STRIDES = (1, 2, 4, 8, 8)
ALL_BLOCKS = (0, 1, 2, 3, 4)
#: VGG16's conv1_1 .. conv5_3 as (in, out) channels.
VGG16_CONVS = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256),
               (256, 256), (256, 512), (512, 512), (512, 512), (512, 512), (512, 512),
               (512, 512)]
BDCN_CONFIGS = [
    f'htcorrm-edge{variant}_bdcn_1xb4-40k_lip-384x384.py'
    for variant in ('', '-baseline', '-corr-bp')
]


def num_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def pretrained(path: str) -> dict:
    return dict(type='Pretrained', checkpoint=path)


@pytest.fixture(scope='module', autouse=True)
def single_thread():
    """Inputs are tiny: one thread avoids OpenMP overhead on busy machines."""
    num_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(num_threads)


@pytest.fixture(scope='module')
def bdcn_trunk() -> BDCN:
    return BDCN(out_indices=ALL_BLOCKS)


@pytest.fixture(scope='module')
def vgg16(tmp_path_factory):
    """A random torchvision VGG16 ``features`` and its checkpoint file.

    ``make_layers(cfgs['D'])`` is the ``features`` of
    ``torchvision.models.vgg16()``; the file holds it under torchvision's keys
    with a classifier tensor, as ``torchvision://vgg16`` does.
    """
    torch.manual_seed(0)
    features = make_layers(cfgs['D']).eval()
    state_dict = {f'features.{k}': v for k, v in features.state_dict().items()}
    state_dict['classifier.6.bias'] = torch.zeros(1000)
    path = str(tmp_path_factory.mktemp('vgg16') / 'vgg16.pth')
    torch.save(state_dict, path)
    return features, path


@pytest.fixture(scope='module')
def bdcn_vgg16(vgg16) -> BDCN:
    """BDCN initialised from ``vgg16`` through a parent's ``init_weights``."""
    parent = BaseModule()
    parent.backbone = BDCN(out_indices=ALL_BLOCKS, init_cfg=pretrained(vgg16[1]))
    parent.init_weights()
    return parent.backbone.eval()


@pytest.mark.parametrize('height, width', [(64, 64), (65, 49)])
def test_output_shapes(bdcn_trunk, height, width):
    with torch.no_grad():
        outs = bdcn_trunk(torch.rand(1, 3, height, width))

    assert bdcn_trunk.out_channels == list(CHANNELS)
    assert len(outs) == 5
    for feat, channels, stride in zip(outs, CHANNELS, STRIDES):
        assert feat.shape == (1, channels, math.ceil(height / stride),
                              math.ceil(width / stride))


def test_out_indices_select_and_order(bdcn_trunk):
    model = BDCN()
    assert model.out_indices == (1, 2, 3)
    assert model.out_channels == [128, 256, 512]

    model = BDCN(out_indices=[4, 0])
    assert model.out_channels == [512, 64]
    model.load_state_dict(bdcn_trunk.state_dict())
    x = torch.rand(1, 3, 20, 12)
    with torch.no_grad():
        outs = model(x)
        all_outs = bdcn_trunk(x)
    assert len(outs) == 2
    assert torch.equal(outs[0], all_outs[4])
    assert torch.equal(outs[1], all_outs[0])

    with pytest.raises(ValueError, match='out_indices'):
        BDCN(out_indices=(5, ))


def test_bn_variant():
    model = BDCN(out_indices=ALL_BLOCKS, norm_cfg=dict(type='BN'))
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(convs) == len(norms) == 13
    assert all(conv.bias is None for conv in convs)

    model.train()
    outs = model(torch.rand(2, 3, 17, 15))
    for feat, channels, stride in zip(outs, CHANNELS, STRIDES):
        assert feat.shape == (2, channels, math.ceil(17 / stride),
                              math.ceil(15 / stride))


@pytest.mark.parametrize('scope, registry', [('mmseg', SEG_MODELS),
                                             ('mmpose', POSE_MODELS)])
def test_build_from_registry(scope, registry):
    init_default_scope(scope)
    model = registry.build(dict(type='BDCN', out_indices=(3, )))
    assert type(model) is BDCN
    assert model.out_channels == [512]


def test_parameter_counts(bdcn_trunk):
    vgg16 = sum(9 * c_in * c_out + c_out for c_in, c_out in VGG16_CONVS)
    assert vgg16 == 14_714_688
    assert num_params(bdcn_trunk) == vgg16


def test_vgg16_weights_land_on_the_trunk(vgg16, bdcn_vgg16):
    features, _ = vgg16
    tv_convs = [m for m in features if isinstance(m, nn.Conv2d)]
    bdcn_convs = [conv.conv for stage in bdcn_vgg16.stages for conv in stage]
    assert len(tv_convs) == len(bdcn_convs) == 13
    for tv_conv, conv in zip(tv_convs, bdcn_convs):
        assert torch.equal(conv.weight, tv_conv.weight)
        assert torch.equal(conv.bias, tv_conv.bias)
    assert bdcn_vgg16.is_init


def test_vgg16_trunk_outputs_match_torchvision(vgg16, bdcn_vgg16):
    """Blocks 0-3 are torchvision's ``features`` up to the stage's pool.

    Block 4 differs from VGG16 by design (pool4 3x3 stride 1, dilated conv5): it is
    computed by hand from torchvision's conv5 weights.
    """
    features, _ = vgg16
    x = torch.rand(1, 3, 32, 24)
    with torch.no_grad():
        outs = bdcn_vgg16(x)
        pools = [k for k, m in enumerate(features) if isinstance(m, nn.MaxPool2d)]
        for block, end in enumerate(pools[:4]):
            torch.testing.assert_close(outs[block], features[:end](x))

        feat = F.max_pool2d(features[:pools[3]](x), 3, stride=1, padding=1)
        conv5 = [m for m in features[pools[3]:] if isinstance(m, nn.Conv2d)]
        for conv in conv5:
            feat = F.relu(F.conv2d(feat, conv.weight, conv.bias, padding=2, dilation=2))
    assert outs[4].shape == (1, 512, 4, 3)
    torch.testing.assert_close(outs[4], feat)


def test_vgg16_bad_checkpoints(vgg16, tmp_path):
    state_dict = torch.load(vgg16[1])
    del state_dict['features.26.bias']
    path = str(tmp_path / 'partial.pth')
    torch.save(state_dict, path)
    with pytest.raises(KeyError, match=r'partial\.pth .*features\.26\.bias'):
        BDCN(init_cfg=pretrained(path)).init_weights()

    with pytest.raises(ValueError, match=r'vgg16\.pth .*stages\.0\.0\.conv'):
        BDCN(in_channels=4, init_cfg=pretrained(vgg16[1])).init_weights()

    with pytest.raises(FileNotFoundError, match='missing.pth'):
        BDCN(init_cfg=pretrained(str(tmp_path / 'missing.pth'))).init_weights()

    with pytest.raises(ValueError, match='norm_cfg'):
        BDCN(norm_cfg=dict(type='BN'), init_cfg=pretrained(vgg16[1]))


@pytest.mark.parametrize('name', BDCN_CONFIGS)
def test_edge_configs_start_from_imagenet_vgg16(name):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'htcorrm', name))
    assert cfg.model.backbone.type == 'BDCN'
    assert cfg.model.backbone.init_cfg == pretrained('torchvision://vgg16')

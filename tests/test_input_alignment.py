"""Test inputs of any size: padded to the network's stride by the data
preprocessor (``test_cfg.size_divisor``), no resizing inside the head, predictions
at the image's size."""
import functools
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from mmseg.structures import SegDataSample
from test_htcorrm_configs import offline

import mmhtc  # noqa: F401

SIZES = [(377, 130), (383, 257)]
R18 = dict(depth=18, stem_channels=16, base_channels=8)


def config(path: str, **backbone) -> dict:
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', path))
    init_default_scope(cfg.default_scope)
    model = offline(cfg.model.to_dict())
    model['backbone'].update(backbone)
    return model


def small_r101_d16() -> dict:
    """The ResNet-d16 parsing model on a narrow ResNet-18 (strides unchanged)."""
    model = config('htcorrm/htcorrm_r101-d16_2xb4-180e_lip-384x384.py', **R18)
    head = model['decode_head']
    head.update(in_channels=[8, 16, 32, 64], channels=16)
    encoders = head['core']['encoders']
    encoders['parsing'].update(in_channels=(64, 8), aspp_channels=8)
    encoders['pose'].update(in_channels=64, mid_channels=8)
    encoders['edge'].update(in_channels=(8, 16, 32), mid_channels=8)
    head['core']['hnl'].update(inter_channels=8)
    return model


MODELS_UNDER_TEST = {
    'parsing-hrnet':
    lambda: config('demo/htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py'),
    'parsing-resnet-d16':
    small_r101_d16,
    'edge-bdcn':
    lambda: config('htcorrm/htcorrm-edge_bdcn_1xb4-40k_lip-384x384.py'),
}


@functools.lru_cache(maxsize=None)
def model(name: str):
    torch.manual_seed(0)
    return MODELS.build(MODELS_UNDER_TEST[name]()).eval()


def batch(size):
    image = torch.randint(0, 256, (3, *size), dtype=torch.uint8)
    sample = SegDataSample(
        metainfo=dict(ori_shape=size, img_shape=size, scale_factor=(1.0, 1.0)))
    return dict(inputs=[image], data_samples=[sample])


@pytest.mark.parametrize('name,size', [('parsing-hrnet', SIZES[0]),
                                       ('parsing-resnet-d16', SIZES[0]),
                                       ('parsing-resnet-d16', SIZES[1]),
                                       ('edge-bdcn', SIZES[0])])
def test_odd_sizes_are_padded_and_predicted_at_the_image_size(name, size):
    """The pose encoder raises unless its feature meets G1's size, and HNL
    needs every task feature on one grid: a prediction proves the alignment."""
    net = model(name)
    divisor = net.data_preprocessor.test_cfg['size_divisor']
    with torch.no_grad():
        data = net.data_preprocessor(batch(size), False)
        padded = data['inputs'].shape[2:]
        assert [p % divisor for p in padded] == [0, 0]
        assert all(0 <= p - s < divisor for p, s in zip(padded, size))
        sample, = net.predict(data['inputs'], data['data_samples'])
    assert tuple(sample.img_padding_size) == (0, padded[1] - size[1], 0,
                                              padded[0] - size[0])
    assert tuple(sample.pred_sem_seg.shape) == size
    assert tuple(sample.pred_edge_map.shape) == size
    assert sample.pred_instances.keypoints.shape == (1, 16, 2)


def test_unpadded_odd_size_is_an_error_naming_both_sizes():
    net = MODELS.build(small_r101_d16()).eval()
    net.data_preprocessor.test_cfg = None
    with torch.no_grad():
        data = net.data_preprocessor(batch((384, 132)), False)
        # 1/16 of 384 x 132 is 24 x 9: 96 x 36 after the deconvolutions, G1 is
        # 96 x 33.
        with pytest.raises(
                ValueError,
                match=r'\(96, 36\) feature, but the '
                r'task features are \(96, 33\)'):
            net.predict(data['inputs'], data['data_samples'])


def test_pose_main_takes_any_image_size():
    """Pose as the main task: the test pipeline warps the person box to the
    config's input size, so an odd-size image needs no padding; every output
    comes back at the image's size."""
    from mmhtc.apis import inference_human, init_model

    torch.manual_seed(0)
    net = init_model(
        osp.join(REPO_ROOT, 'configs', 'htcorrm',
                 'htcorrm_hrnetv2-w32_2xb16-220e_lip-256x256.py'),
        cfg_options={'model.test_cfg.flip_test': False})
    size = SIZES[0]
    image = np.random.default_rng(0).integers(0, 256, (*size, 3), np.uint8)
    result = inference_human(net, image)
    assert result.parsing.shape == result.edge.shape == size
    assert result.keypoints.shape == (1, 16, 2)

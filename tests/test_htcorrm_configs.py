"""Every HTCorrM config builds its model; one per backbone and main task runs."""
import glob
import importlib.util
import os.path as osp

import mmpose
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

import mmhtc  # noqa: F401

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'htcorrm', '*.py')))


def offline(cfg):
    """Plain BN and no pretrained weights: buildable on one CPU, no downloads."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'SyncBN':
            cfg['type'] = 'BN'
        if cfg.get('pretrained'):
            cfg['pretrained'] = None
        init = cfg.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            cfg['init_cfg'] = None
        for value in cfg.values():
            offline(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            offline(value)
    return cfg


def build(path: str):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    return cfg, MODELS.build(offline(cfg.model.to_dict()))


def test_there_is_a_config_per_experiment():
    names = {osp.basename(p) for p in CONFIGS}
    assert len(names) >= 33
    for dataset in ('lip', 'cihp', 'atr'):
        for backbone in ('r101-d16', 'hrnetv2-w48'):
            assert (f'htcorrm_{backbone}_2xb4-180e_{dataset}-384x384.py' in names)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds(path):
    cfg, model = build(path)
    head = getattr(model, 'decode_head', None) or model.head
    assert head.core.main in ('parsing', 'pose', 'edge')


@pytest.mark.parametrize('name,size,main_shape', [
    ('htcorrm_r101-d16_2xb4-180e_lip-384x384.py', 64, (2, 20, 64, 64)),
    ('htcorrm_hrnetv2-w48_2xb4-180e_atr-384x384.py', 64, (2, 18, 64, 64)),
    ('htcorrm-sa_r101-d16_2xb4-180e_cihp-384x384.py', 64, (2, 20, 64, 64)),
    ('htcorrm-concat-pke_r101-d16_2xb4-180e_cihp-384x384.py', 64, (2, 20, 64, 64)),
])
def test_parsing_main_shapes(name, size, main_shape):
    _, model = build(osp.join(REPO_ROOT, 'configs', 'htcorrm', name))
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(2, 3, size, size))
        logits, outputs = model.decode_head.forward_outputs(feats, return_relation=True)
    h = w = size // 4
    assert logits.shape == (2, main_shape[1], h, w)
    assert outputs['refined'].shape[2:] == (h, w)
    for task, feature in outputs['features'].items():
        assert feature.shape == (2, 512, h, w), task
    predictions = outputs['predictions']
    assert predictions['parsing'].shape[1] == main_shape[1]
    if 'pose' in predictions:
        num_keypoints = model.decode_head.core.num_keypoints
        assert predictions['pose'].shape == (2, num_keypoints, h, w)
    if 'edge' in predictions:
        assert predictions['edge'].shape == (2, 1, h, w)


@pytest.mark.parametrize('width', [32, 48])
def test_pose_main_shapes(width):
    name = f'htcorrm_hrnetv2-w{width}_2xb16-220e_mpii-256x256.py'
    _, model = build(osp.join(REPO_ROOT, 'configs', 'htcorrm', name))
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(2, 3, 64, 64))
        heatmaps, outputs = model.head.forward_outputs(feats, return_relation=True)
    # Stage 1, stage 3's three branches, stage 4's output (G1 = 0, G2 = 1, G3 = 4).
    assert [tuple(f.shape[1:]) for f in feats] == [(256, 16, 16), (width, 16, 16),
                                                   (2 * width, 8, 8), (4 * width, 4, 4),
                                                   (width, 16, 16)]
    assert heatmaps.shape == (2, 16, 16, 16)
    assert outputs['relation'].shape == (2, 256, 64)
    assert outputs['predictions']['parsing'].shape == (2, 20, 16, 16)


#: HTCorrM Tab. 8 parameters (millions) of the pose configs (LIP; MPII builds the
#: same models).
TAB8_PARAMS = {
    'htcorrm-baseline_hrnetv2-w32': 28.5,
    'htcorrm-corr-kp_hrnetv2-w32': 28.5,
    'htcorrm_hrnetv2-w32': 28.5,
    'htcorrm-baseline_hrnetv2-w48': 63.6,
    'htcorrm-corr-kp_hrnetv2-w48': 63.6,
    'htcorrm-nodup_hrnetv2-w48': 63.7,
    'htcorrm_hrnetv2-w48': 63.7,
}


@pytest.mark.parametrize('name', sorted(TAB8_PARAMS))
def test_pose_parameters_match_tab8(name):

    def config(dataset):
        return Config.fromfile(
            osp.join(REPO_ROOT, 'configs', 'htcorrm',
                     f'{name}_2xb16-220e_{dataset}-256x256.py'))

    cfg = config('lip')
    assert config('mpii').model == cfg.model
    init_default_scope(cfg.default_scope)
    with torch.device('meta'):
        model = MODELS.build(offline(cfg.model.to_dict()))
    params = sum(p.numel() for p in model.parameters()) / 1e6
    assert abs(params / TAB8_PARAMS[name] - 1) < 0.01, params


def test_flops_of_the_backbone_are_the_stock_hrnets():
    """get_flops.py: the W32 pose model's backbone counts as the stock mmpose HRNet-W32
    backbone; the parts add up to the whole.

    Both HRNets get one block per branch and one module per stage (a shorter trace, the
    same widths).
    """
    path = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'get_flops.py')
    spec = importlib.util.spec_from_file_location('get_flops', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    shallow = {
        f'model.backbone.extra.stage{i}': dict(num_modules=1, num_blocks=(1, ) * i)
        for i in (1, 2, 3, 4)
    }
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'htcorrm',
                 'htcorrm_hrnetv2-w32_2xb16-220e_lip-256x256.py'))
    cfg.merge_from_dict(shallow)
    ours = tool.complexity(cfg, 64, 64)
    stock_cfg = Config.fromfile(
        osp.join(
            osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
            'topdown_heatmap', 'mpii', 'td-hm_hrnet-w32_8xb64-210e_mpii-256x256.py'))
    stock_cfg.merge_from_dict(shallow)
    stock = MODELS.build(stock_cfg.model.backbone)
    stock.eval()
    with torch.no_grad():
        flops = FlopAnalyzer(stock, torch.zeros(1, 3, 64, 64))
        flops.unsupported_ops_warnings(False)
        assert ours['backbone'] == (parameter_count(stock)[''], flops.total())
    for i in (0, 1):
        assert ours[''][i] == ours['backbone'][i] + ours['head'][i]
        core = sum(ours[f'head.core.{part}'][i]
                   for part in ('encoders.pose', 'encoders.parsing', 'encoders.edge',
                                'hnl'))
        assert 0 < core < ours['head'][i]


@pytest.mark.parametrize('backbone', ['bdcn', 'hrnetv2-w48'])
def test_edge_main_shapes(backbone):
    name = f'htcorrm-edge_{backbone}_1xb4-40k_lip-384x384.py'
    _, model = build(osp.join(REPO_ROOT, 'configs', 'htcorrm', name))
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(2, 3, 64, 64))
        logits, outputs = model.decode_head.forward_outputs(feats, return_relation=True)
    if backbone == 'hrnetv2-w48':
        # Stage 1, stage 3's three branches, stage 4's four (G1, G2, G3 = 0, 1, 4).
        assert [tuple(f.shape[1:]) for f in feats] == [(256, 16, 16), (48, 16, 16),
                                                       (96, 8, 8), (192, 4, 4),
                                                       (48, 16, 16), (96, 8, 8),
                                                       (192, 4, 4), (384, 2, 2)]
    assert logits.shape == (2, 1, 16, 16)
    assert outputs['predictions']['parsing'].shape == (2, 20, 16, 16)
    assert outputs['predictions']['pose'].shape == (2, 16, 16, 16)

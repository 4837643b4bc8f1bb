"""Every NPPNet config builds; the published architecture has the paper's size."""
import glob
import os.path as osp
import sys

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from mmhtc.models.nas import load_genotype, save_genotype
from mmhtc.models.segmentors import TopDownHuman

PAPER_GENOTYPE = osp.join(REPO_ROOT, 'configs', 'nppnet', 'genotypes',
                          'nppnet_lip_paper.yaml')

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'nppnet', '*.py')))


def build(path: str, **network):
    """The config's model on the meta device (paper sizes, no memory)."""
    cfg = Config.fromfile(path)
    nppnet = cfg.model.model if cfg.model.type == 'TopDownHuman' else cfg.model
    nppnet.network.update(network)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    with torch.device('meta'):
        return MODELS.build(cfg.model)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_or_names_the_stage_to_run_first(path, tmp_path):
    """Configs that continue a search stage build from the genotype given on the command
    line; without it (or with a missing file) the error names the key, the file and the
    config of the stage that writes it."""
    model_cfg = Config.fromfile(path).model
    # TopDownHuman (PASCAL-Person-Part) holds the NPPNet as its ``model``
    network = (model_cfg.model
               if model_cfg.type == 'TopDownHuman' else model_cfg).network
    stage = network.get('genotype_from')
    if stage:
        assert osp.isfile(osp.join(REPO_ROOT, stage)), stage
        with pytest.raises(FileNotFoundError) as error:
            build(path)
        assert 'model.network.genotype is not set' in str(error.value)
        assert stage in str(error.value)
        missing = str(tmp_path / 'genotype.yaml')
        with pytest.raises(FileNotFoundError, match=f'missing file: {missing}'):
            build(path, genotype=missing)
        paper = load_genotype(PAPER_GENOTYPE)
        for part in network.get('search', ()):
            paper.pop(part)
        save_genotype(paper, missing)
        model = build(path, genotype=missing)
    else:
        model = build(path)
    nppnet = model.model if isinstance(model, TopDownHuman) else model
    assert nppnet.searching == bool(network.get('search'))
    if 'search' in network or 'genotype_from' in network:
        assert nppnet.train_cfg['entropy_weight'] == 0.25
    norms = [
        m for m in model.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ]
    assert norms and all(isinstance(m, torch.nn.SyncBatchNorm) for m in norms)


def test_published_architecture_has_the_papers_parameters():
    model = build(
        osp.join(REPO_ROOT, 'configs', 'nppnet',
                 'nppnet_c128-l16_4xb4-120e_lip-384x384.py'))
    params = sum(p.numel() for p in model.network.parameters())
    assert abs(params / 73.4e6 - 1) < 0.01


def test_release_structure_has_the_authors_parameters():
    """The release-structure configs hold the authors' network: 76,981,324 parameters,
    as their Network at INIT_CHANNELS=64, LAYERS=16."""
    for schedule in ('120e', '190e'):
        model = build(
            osp.join(REPO_ROOT, 'configs', 'nppnet',
                     f'nppnet_c128-l16-release_4xb4-{schedule}_lip-384x384.py'))
        assert sum(p.numel() for p in model.network.parameters()) == 76_981_324


def test_release_schedule_rates():
    """The release's schedule: Adam 1.5e-3, 0.33 x on stems and encoder cells (not the
    decoding cells), 1e-4 on the loss weights."""
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'nppnet',
                 'nppnet_c128-l16-release_4xb4-190e_lip-384x384.py'))
    cfg.model.network.update(
        channels=8,
        num_cells=4,
        norm_cfg=dict(type='BN'),
        high_level_channels=dict(pose=32, pose_aux=24, parsing=32, edge=24))
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    names = {id(p): n for n, p in model.named_parameters()}
    rates = {
        names[id(p)]: group['lr']
        for group in wrapper.optimizer.param_groups
        for p in group['params']
    }
    assert rates['network.branches.parsing.stem_s1.0.weight'] == 0.33 * 1.5e-3
    assert rates['network.branches.pose.cells.3.pre1.1.weight'] == 0.33 * 1.5e-3
    assert rates['network.branches.pose.decoder.0.pre0.1.weight'] == 1.5e-3
    assert rates['network.fusion.layers.0.pose.pre.0.1.weight'] == 1.5e-3
    assert abs(rates['weighting.log_vars.pose'] - 1e-4) < 1e-12
    assert cfg.train_cfg.max_epochs == 190


def test_nas_memory_benchmark_partial_channels_use_less(capsys):
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))
    from benchmark_nas_memory import main
    results = main([
        '--stage', 'interaction-fusion', '--channels', '8', '--size', '32', '--repeats',
        '0'
    ])
    assert 0 < results[2]['memory'] < results[1]['memory']
    assert all(r['times'] == [] and 'time' not in r for r in results.values())
    lines = capsys.readouterr().out.strip().splitlines()
    ratio = results[2]['memory'] / results[1]['memory']
    assert lines[-1] == f'ratio K=2 / K=1: memory {ratio:.3f}'
    assert lines[1] == f'K=1: peak {results[1]["memory"] / 1e6:.1f} MB'


def test_inference_in_image_pixels(shared_data):
    import mmcv

    from mmhtc.apis import inference_human, init_model
    img = sorted(
        glob.glob(osp.join(shared_data, 'lip', '**', '*.jpg'), recursive=True))[0]
    model = init_model(
        osp.join(REPO_ROOT, 'configs', 'demo',
                 'nppnet-searched_c8-l4_1xb8-200it_synthetic-lip-64x64.py'),
        cfg_options={
            'model.network.genotype':
            osp.join(REPO_ROOT, 'configs', 'nppnet', 'genotypes',
                     'nppnet_lip_paper.yaml')
        })
    result = inference_human(model, img)
    height, width = mmcv.imread(img).shape[:2]
    assert result.parsing.shape == result.edge.shape == (height, width)
    assert result.keypoints.shape == (1, 16, 2)
    found = result.keypoints[result.keypoint_scores > 0]
    assert len(found) and (found >= 0).all()
    assert (found[:, 0] <= width).all() and (found[:, 1] <= height).all()

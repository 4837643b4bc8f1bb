"""Every NPPNet config builds; the published architecture has the paper's size."""
import glob
import os.path as osp
import sys

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from conftest import REPO_ROOT

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'nppnet', '*.py')))


def build(path: str):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_or_names_the_missing_genotype(path):
    genotype = Config.fromfile(path).model.network.get('genotype')
    if genotype and not osp.isfile(genotype):
        with pytest.raises(FileNotFoundError, match=osp.basename(genotype)):
            build(path)
        return
    model = build(path)
    assert model.searching == bool(Config.fromfile(path).model.network.get(
        'search'))


def test_published_architecture_has_the_papers_parameters():
    model = build(
        osp.join(REPO_ROOT, 'configs', 'nppnet',
                 'nppnet_c128-l16_4xb4-120e_lip-384x384.py'))
    params = sum(p.numel() for p in model.network.parameters())
    assert abs(params / 73.4e6 - 1) < 0.01


def test_nas_memory_benchmark_partial_channels_use_less(capsys):
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))
    from benchmark_nas_memory import main
    results = main(['--channels', '8', '--size', '32', '--repeats', '1'])
    assert 0 < results[2]['memory'] < results[1]['memory']
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith(
        'ratio K=2 / K=1: memory')


def test_inference_in_image_pixels(shared_data):
    import mmcv

    from mmhtc.apis import inference_human, init_model
    img = sorted(glob.glob(osp.join(shared_data, 'lip', '**', '*.jpg'),
                           recursive=True))[0]
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

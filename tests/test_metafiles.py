"""model-index.yml and the metafiles: valid, consistent with configs and READMEs."""
import glob
import os.path as osp
import re

import pytest
import yaml

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _load(path: str) -> dict:
    with open(osp.join(REPO, path)) as f:
        return yaml.safe_load(f)


METAFILES = _load('model-index.yml')['Import']


def test_model_index_lists_existing_metafiles():
    assert METAFILES, 'model-index.yml imports no metafile'
    for path in METAFILES:
        assert osp.isfile(osp.join(REPO, path)), path
        assert re.fullmatch(r'configs/[\w-]+/metafile\.yaml', path), path


@pytest.mark.parametrize('path', METAFILES)
def test_metafile_entries(path):
    metafile = _load(path)
    collections = {c['Name'] for c in metafile['Collections']}
    names = set()
    for model in metafile['Models']:
        where = f"{path}: {model.get('Name')}"
        assert model['In Collection'] in collections, where
        assert osp.isfile(osp.join(REPO, model['Config'])), where
        assert model['Name'] == osp.splitext(osp.basename(model['Config']))[0], where
        assert model['Name'] not in names, where
        names.add(model['Name'])
        assert model['Metadata']['Training Data'], where
        for result in model['Results']:
            assert result['Task'] and result['Dataset'], where
            assert all(isinstance(v, (int, float))
                       for v in result['Metrics'].values()), where
        status = model['Metadata']['Status']
        if 'Weights' in model:
            assert model['Weights'].startswith('https://'), where
        else:
            assert status in ('paper, not yet reproduced', 'demo data, measured',
                              "converted from the authors' release"), where


def test_htcorrm_metafile_covers_the_configs_with_readme_numbers():
    metafile = _load('configs/htcorrm/metafile.yaml')
    with open(osp.join(REPO, 'configs/htcorrm/README.md')) as f:
        readme = f.read()
    listed = {m['Config'] for m in metafile['Models']}
    configs = {
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, 'configs/htcorrm/*.py'))
        if 'stock-mmseg' not in p
    }
    assert listed == configs
    for model in metafile['Models']:
        assert 'Weights' not in model, model['Name']
        assert model['Metadata']['Status'] == 'paper, not yet reproduced'
        if model['Results'][0]['Dataset'] == 'ATR':
            continue  # the README names Tab. 3 without its numbers
        for result in model['Results']:
            for name, value in result['Metrics'].items():
                text = f'{value:.3f}' if value < 1 else f'{value:.2f}'
                assert text in readme, (model['Name'], name, text)


def test_demo_metafile_matches_readme_demo_results():
    model, = _load('configs/demo/metafile.yaml')['Models']
    with open(osp.join(REPO, 'README.md')) as f:
        row = re.search(r'\| after 600 iterations \|([^\n]*)', f.read())
    numbers = [float(x) for x in re.findall(r'[\d.]+', row.group(1))]
    metrics = {}
    for result in model['Results']:
        metrics.update(result['Metrics'])
    assert numbers == [
        metrics['mIoU'], metrics['aAcc'], metrics['ODS'], metrics['OIS'], metrics['AP'],
        metrics['PCK@0.1']
    ]
    assert 'Weights' not in model
    assert 'publish_model.py' in model['Metadata']['How To Get Weights']

"""Mmhtc as a package for ``mim`` (openmim), as mmseg and mmpose are.

A wheel is built from a copy of the tracked files (a build in the checkout itself
would replace the editable install's links in mmhtc/.mim with copies) and installed
into a folder of its own; ``mim`` then runs with that folder first on PYTHONPATH,
so it finds the wheel's metadata and mmhtc/.mim, not the editable install's.
"""
import glob
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml
from conftest import REPO_ROOT

DEMO_NAME = 'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128'
ANSI = re.compile(r'\x1b\[[0-9;]*m')


def tracked_files() -> list:
    try:
        listing = subprocess.run(['git', 'ls-files', '-z'],
                                 cwd=REPO_ROOT,
                                 capture_output=True,
                                 check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f'{REPO_ROOT} is not a git checkout: {error}')
    return [
        name for name in listing.split('\0')
        if name and osp.isfile(osp.join(REPO_ROOT, name))
    ]


def models() -> dict:
    """Every model of model-index.yml: name -> metafile entry."""
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    entries = {}
    for metafile in index['Import']:
        with open(osp.join(REPO_ROOT, metafile)) as f:
            for model in yaml.safe_load(f)['Models']:
                entries[model['Name']] = model
    return entries


PIP = [sys.executable, '-m', 'pip', '--disable-pip-version-check']


def build_wheel(source: str, dest: str) -> str:
    subprocess.run(
        PIP + ['wheel', '--no-deps', '--no-build-isolation', '-w', dest, source],
        check=True,
        capture_output=True)
    (path, ) = glob.glob(osp.join(dest, 'mmhtc-*.whl'))
    return path


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """(the wheel built from a copy of the tracked files, the folder it is installed in,
    the tracked files, the copy)."""
    tmp = tmp_path_factory.mktemp('packaging')
    files = tracked_files()
    for name in files:
        os.makedirs(osp.dirname(tmp / 'src' / name), exist_ok=True)
        shutil.copy2(osp.join(REPO_ROOT, name), tmp / 'src' / name)
    path = build_wheel(str(tmp / 'src'), str(tmp / 'dist'))
    subprocess.run(
        PIP +
        ['install', '--no-deps', '--no-index', '--target',
         str(tmp / 'site'), path],
        check=True,
        capture_output=True)
    return path, str(tmp / 'site'), files, str(tmp / 'src')


def mim(*args: str, site: str = None, cwd: str) -> str:
    """Run ``python -m mim ARGS`` (on the wheel when ``site`` is given)."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('PYTHONPATH', None)
    if site is not None:
        env['PYTHONPATH'] = site
    result = subprocess.run([sys.executable, '-m', 'mim', *args],
                            env=env,
                            cwd=cwd,
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return ANSI.sub('', result.stdout)


def test_wheel_carries_mim_files(wheel):
    path, _, files, _ = wheel
    names = set(zipfile.ZipFile(path).namelist())
    expected = {
        f'mmhtc/.mim/{name}'
        for name in files
        if name.startswith(('configs/', 'tools/')) or name == 'model-index.yml'
    }
    assert expected - names == set()
    assert {'mmhtc/.mim/tools/train.py', 'mmhtc/.mim/tools/test.py'} <= names
    for model in models().values():
        assert f'mmhtc/.mim/{model["Config"]}' in names


def test_wheel_from_sdist(wheel, tmp_path):
    """A source distribution carries mmhtc/.mim (not configs/ and tools/ at its top) and
    builds a wheel with the same files."""
    path, _, _, src = wheel
    subprocess.run([sys.executable, 'setup.py', 'sdist', '-d',
                    str(tmp_path)],
                   cwd=src,
                   check=True,
                   capture_output=True)
    (sdist, ) = glob.glob(str(tmp_path / 'mmhtc-*.tar.gz'))
    from_sdist = build_wheel(sdist, str(tmp_path / 'dist'))
    assert (sorted(zipfile.ZipFile(from_sdist).namelist()) == sorted(
        zipfile.ZipFile(path).namelist()))


def test_config_names_are_unique():
    """``mim train`` / ``mim test`` find a config by its file name."""
    names = [
        osp.basename(name) for name in tracked_files()
        if name.startswith('configs/') and name.endswith('.py')
    ]
    assert sorted(set(names)) == sorted(names)


def search_blocks(output: str) -> dict:
    """``mim search`` output: config id -> {field: value}."""
    blocks = {}
    for block in re.split(r'^-{20,}$', output, flags=re.M)[1:]:
        first, *rows = block.strip().splitlines()
        fields = dict(re.match(r'^(.*?\S)\s{2,}(\S.*)$', row).groups() for row in rows)
        blocks[first.removeprefix('config id: ')] = fields
    return blocks


def test_mim_search_lists_every_model(wheel, tmp_path):
    """Every model of the metafiles with each of its metrics."""
    blocks = search_blocks(mim('search', 'mmhtc', site=wheel[1], cwd=str(tmp_path)))
    entries = models()
    assert set(blocks) == set(entries)
    for name, model in entries.items():
        for result in model['Results']:
            for metric, value in result['Metrics'].items():
                field = (f"{result['Dataset'].lower()}/"
                         f"{'_'.join(metric.split()).lower()}")
                assert float(blocks[name][field]) == pytest.approx(value)


def test_mim_finds_the_editable_install(tmp_path):
    """tools/setup_env.sh's editable install gives mim the same models."""
    output = mim('search', 'mmhtc', '--valid-config', cwd=str(tmp_path))
    listed = re.search(r'valid config ids:\s*(\[.*\])', output, re.S).group(1)
    assert set(yaml.safe_load(listed)) == set(models())


def test_mim_train_by_config_name(wheel, synthetic_lip, tmp_path):
    """One iteration of the demo config, found by name in the wheel's mmhtc/.mim and
    trained by the wheel's tools/train.py, at 32 x 32 with one module in HRNet's stages
    3 and 4 and one validation image."""
    site = wheel[1]
    work_dir = tmp_path / 'work'
    size, heatmap = '(32,32)', '(8,8)'
    options = [
        'train_cfg.max_iters=1', 'default_hooks.logger.interval=1',
        f'model.data_preprocessor.size={size}',
        'model.backbone.extra.stage3.num_modules=1',
        'model.backbone.extra.stage4.num_modules=1', 'train_dataloader.batch_size=2',
        'train_dataloader.dataset.indices=2',
        f'train_dataloader.dataset.pipeline.3.input_size={size}',
        f'train_dataloader.dataset.pipeline.5.encoder.input_size={size}',
        f'train_dataloader.dataset.pipeline.5.encoder.heatmap_size={heatmap}',
        'val_dataloader.dataset.indices=1',
        f'val_dataloader.dataset.pipeline.1.scale={size}'
    ]
    for loader in ('train_dataloader', 'val_dataloader'):
        options += [
            f'{loader}.num_workers=0', f'{loader}.persistent_workers=False',
            f'{loader}.dataset.data_root={synthetic_lip}'
        ]
    output = mim(
        'train',
        'mmhtc',
        f'{DEMO_NAME}.py',
        '--gpus',
        '0',
        '--work-dir',
        str(work_dir),
        '--cfg-options',
        *options,
        site=site,
        cwd=str(tmp_path))
    mim_dir = osp.join(site, 'mmhtc', '.mim')
    assert (f'Training command is {sys.executable} '
            f'{osp.join(mim_dir, "tools", "train.py")} '
            f'{osp.join(mim_dir, "configs", "demo", DEMO_NAME)}.py') in output
    assert 'Training finished successfully' in output
    assert osp.isfile(work_dir / 'iter_1.pth')

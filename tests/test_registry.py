"""Mmhtc modules are found from mmseg's and mmpose's scopes, and custom_imports."""
import subprocess
import sys
import textwrap

import pytest

import mmhtc  # noqa: F401
from mmhtc import datasets
from mmhtc.registry import (KEYPOINT_CODECS, POSE_DATASETS, POSE_TRANSFORMS,
                            SEG_DATASETS, SEG_TRANSFORMS)

DATASET_NAMES = [
    'LIPHumanDataset', 'SyntheticLIPDataset', 'CIHPHumanDataset', 'ATRHumanDataset',
    'MPIIHumanDataset', 'PascalPersonPartHumanDataset'
]
TRANSFORM_NAMES = [
    'LoadHumanAnnotations', 'JointRandomFlip', 'JointRandomAffine',
    'PackHumanSegInputs', 'PackHumanPoseInputs'
]


@pytest.mark.parametrize('registry', [SEG_DATASETS, POSE_DATASETS])
@pytest.mark.parametrize('name', DATASET_NAMES)
def test_datasets_in_both_scopes(registry, name):
    assert registry.module_dict[name] is getattr(datasets, name)


@pytest.mark.parametrize('registry', [SEG_TRANSFORMS, POSE_TRANSFORMS])
@pytest.mark.parametrize('name', TRANSFORM_NAMES)
def test_transforms_in_both_scopes(registry, name):
    assert registry.module_dict[name] is getattr(datasets.transforms, name)


def test_codec_registered():
    assert KEYPOINT_CODECS.get('MultiPersonHeatmap').__module__.startswith('mmhtc.')


@pytest.mark.parametrize('scope', ['mmseg', 'mmpose'])
def test_custom_imports_register_without_importing_mmhtc(tmp_path, scope):
    config = tmp_path / 'cfg.py'
    config.write_text(
        textwrap.dedent(f"""
        default_scope = '{scope}'
        custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
        """))
    code = textwrap.dedent(f"""
        from mmengine.config import Config
        from mmengine.registry import DATASETS, TRANSFORMS
        cfg = Config.fromfile({str(config)!r})
        for name in {DATASET_NAMES + TRANSFORM_NAMES!r}:
            root = DATASETS if name.endswith('Dataset') else TRANSFORMS
            with root.switch_scope_and_registry(cfg.default_scope) as registry:
                assert registry.scope == cfg.default_scope
                assert registry.get(name).__module__.startswith('mmhtc.'), name
        print('ok')
        """)
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith('ok')

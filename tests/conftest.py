"""Shared fixtures: the real samples in ../shared/data and the synthetic LIP data."""
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data')


@pytest.fixture(scope='session')
def shared_data() -> str:
    """The folder of real dataset samples; tests using it skip without it."""
    if not osp.isdir(SHARED_DATA):
        pytest.skip(f'real samples not found at {SHARED_DATA}')
    return SHARED_DATA


@pytest.fixture(scope='session')
def synthetic_lip(tmp_path_factory) -> str:
    """A small synthetic dataset in LIP's layout (24 train, 8 val images)."""
    from mmhtc.datasets.synthetic_lip import generate_synthetic_lip
    root = str(tmp_path_factory.mktemp('synthetic_lip'))
    generate_synthetic_lip(root, num_train=24, num_val=8, seed=0)
    return root


@pytest.fixture(scope='session', autouse=True)
def unformatted_config_text():
    """Skip yapf when a Runner logs and dumps its config.

    mmengine formats the config text with yapf (``Config.pretty_text``) each time
    a Runner logs or dumps it, about 3 s per Runner on this project's configs;
    the unformatted text is the same Python, so the tests go without it.
    """
    from mmengine.config import config
    original = config.FormatCode
    config.FormatCode = lambda text, **kwargs: (text, False)
    yield
    config.FormatCode = original

"""Config mistakes stop with an error naming the config key, before training."""
import os.path as osp

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner import Runner
from test_htcorrm_configs import offline
from test_htcorrm_training import small

DEMO = 'configs/demo/htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py'


def demo() -> Config:
    return Config.fromfile(osp.join(REPO_ROOT, DEMO))


def build_model(cfg: Config):
    init_default_scope(cfg.default_scope)
    return MODELS.build(offline(cfg.model.to_dict()))


def core(cfg: Config) -> dict:
    return cfg.model.decode_head.core


@pytest.mark.parametrize('key,value,message', [
    ('main', 'depth', "the main task must be parsing or edge, got 'depth'"),
    ('fusion', 'sum', r"core.fusion is 'sum', an unknown fusion"),
    ('hybrid',
     ('parsing', 'depth'), r"core.hybrid names tasks without an encoder: \['depth'\]"),
])
def test_unknown_names(key, value, message):
    cfg = demo()
    core(cfg)[key] = value
    with pytest.raises(ValueError, match=message):
        build_model(cfg)


def test_unknown_main_task_of_the_core():
    from mmhtc.models.heads.htcorrm_core import HTCorrMCore
    with pytest.raises(ValueError, match=r"core.main is 'depth', an unknown main task"):
        HTCorrMCore(main='depth', channels=8, encoders={})


@pytest.mark.parametrize('weights,message', [
    (dict(parsing=1.0, pose=50.0),
     r"core.loss_weights has no entry for the encoder outputs of \['edge'\]"),
    (dict(parsing=1.0, pose=50.0,
          edge=None), r"core.loss_weights\['edge'\] must be a number >= 0, got None"),
    (dict(parsing=1.0, pose=-1.0,
          edge=2.0), r"core.loss_weights\['pose'\] must be a number >= 0, got -1.0"),
])
def test_loss_weights(weights, message):
    cfg = demo()
    core(cfg).loss_weights = weights
    with pytest.raises(ValueError, match=message):
        build_model(cfg)


def test_loss_missing_for_a_task():
    cfg = demo()
    core(cfg).losses.pop('pose')
    with pytest.raises(
            ValueError,
            match=r"core.losses has no entry for the encoder "
            r"outputs of \['pose'\]"):
        build_model(cfg)


@pytest.mark.parametrize('edit,message', [
    (lambda m: m.decode_head.update(num_classes=19),
     'model.decode_head.num_classes is 19, but the dataset '
     'SyntheticLIPDataset has 20 classes'),
    (lambda m: m.decode_head.core.update(num_classes=21),
     'model.decode_head.core.num_classes is 21, but the dataset '
     'SyntheticLIPDataset has 20 classes'),
    (lambda m: m.decode_head.core.update(num_keypoints=14),
     'model.decode_head.core.num_keypoints is 14, but the dataset '
     'SyntheticLIPDataset has 16 keypoints'),
])
def test_model_disagrees_with_dataset(synthetic_lip, tmp_path, edit, message):
    cfg = small(demo(), synthetic_lip, str(tmp_path), 32)
    edit(cfg.model)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match=message):
        runner.train()
    assert runner.iter == 0

"""A CPU training run resumed at iteration k reproduces the uninterrupted run.

Deterministic settings: ``randomness=dict(seed=0, deterministic=True)``, data
loaders with ``num_workers=0`` and ``persistent_workers=False``, and
``StepSeedHook`` in ``custom_hooks`` (the schedules and the demo configs have
it). The uninterrupted run saves a checkpoint at k; a fresh Runner resumes from it
(``resume=True``, ``load_from``, as ``tools/train.py --resume`` does) and must log
bit-identical losses at every later iteration.
"""
import os.path as osp
from typing import Dict

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from test_htcorrm_training import small

from mmhtc.apis import trust_local_checkpoints
from mmhtc.apis.checkpoint import load_local_training_checkpoint

DEMO = 'configs/demo/htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py'


class LossRecorder(Hook):
    """Every logged loss value, per iteration (counted from 1)."""

    def __init__(self) -> None:
        self.losses: Dict[int, Dict[str, float]] = {}

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        self.losses[runner.iter + 1] = {
            name: value.item()
            for name, value in outputs.items()
        }


def small_config(root: str, work_dir: str, name: str, by_epoch: bool,
                 **kwargs) -> Config:
    """The demo config (one HRNet block per branch) at 32 x 32 on 4 synthetic images,
    batch 2, 4 iterations, with a checkpoint every 2 iterations (and a validation right
    after it, which must not change what training draws) or at every epoch (2
    iterations)."""
    cfg = small(Config.fromfile(osp.join(REPO_ROOT, DEMO)), root, work_dir, 32)
    for stage, branches in (('stage1', 1), ('stage2', 2), ('stage3', 3), ('stage4', 4)):
        cfg.model.backbone.extra[stage].update(
            num_modules=1, num_blocks=(1, ) * branches)
    cfg.experiment_name = name
    cfg.randomness = dict(seed=0, deterministic=True)
    assert dict(type='StepSeedHook') in cfg.custom_hooks
    if by_epoch:
        cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)
        cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True)
        cfg.default_hooks.checkpoint.update(by_epoch=True, interval=1)
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    else:
        cfg.train_cfg.update(max_iters=4, val_interval=2)
        cfg.default_hooks.checkpoint.interval = 2
        cfg.val_dataloader.dataset.indices = 1
        cfg.val_evaluator = dict(type='HumanParsingMetric')
    cfg.param_scheduler = [
        dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=4, by_epoch=False)
    ]
    cfg.update(kwargs)
    return cfg


def build(root: str, work_dir: str, name: str, by_epoch: bool, **kwargs) -> tuple:
    """A Runner of :func:`small_config` and the hook recording its losses."""
    runner = Runner.from_cfg(small_config(root, work_dir, name, by_epoch, **kwargs))
    recorder = LossRecorder()
    runner.register_hook(recorder)
    return runner, recorder


@pytest.mark.parametrize('by_epoch,checkpoint,k', [
    (False, 'iter_2.pth', 2),
    (True, 'epoch_1.pth', 2),
])
def test_resumed_losses_equal_uninterrupted(synthetic_lip, tmp_path, by_epoch,
                                            checkpoint, k):
    trust_local_checkpoints()
    whole, whole_losses = build(synthetic_lip, str(tmp_path / 'whole'),
                                f'whole{by_epoch}', by_epoch)
    whole.train()
    path = str(tmp_path / 'whole' / checkpoint)
    assert load_local_training_checkpoint(path)['meta']['iter'] == k
    resumed, resumed_losses = build(
        synthetic_lip,
        str(tmp_path / 'resumed'),
        f'resumed{by_epoch}',
        by_epoch,
        resume=True,
        load_from=path)
    resumed.train()
    assert sorted(resumed_losses.losses) == list(range(k + 1, 5))
    for it in range(k + 1, 5):
        assert resumed_losses.losses[it] == whole_losses.losses[it], it
    # The later iterations differ from each other: the comparison has content.
    assert whole_losses.losses[k + 1] != whole_losses.losses[k + 2]

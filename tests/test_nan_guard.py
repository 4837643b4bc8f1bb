"""NaNGuardHook stops training at the first non-finite loss and names it."""
import math

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

import mmhtc  # noqa: F401
from mmhtc.registry import POSE_HOOKS, SEG_HOOKS


class ToyModel(BaseModel):
    """y = w x with two loss terms; ``loss_b`` becomes ``bad`` at iteration
    ``bad_at`` (counted from 1)."""

    def __init__(self, bad_at: int, bad: float) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.bad_at = bad_at
        self.bad = bad
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        if mode != 'loss':
            return out
        self.calls += 1
        loss_b = out.abs().mean()
        if self.calls == self.bad_at:
            loss_b = loss_b * self.bad
        return dict(loss_a=out.pow(2).mean(), loss_b=loss_b)


class ToyDataset(torch.utils.data.Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, idx):
        return dict(inputs=torch.full((2, ), float(idx)))


def train(tmp_path,
          bad_at: int,
          bad: float,
          max_iters: int = 6,
          checkpoint: str = 'CheckpointHook',
          **kwargs) -> Runner:
    """Train :class:`ToyModel` with a checkpoint at every iteration;
    ``kwargs`` override the Runner's arguments."""
    runner = Runner(
        default_scope='mmseg',
        model=ToyModel(bad_at, bad),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='InfiniteSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            batch_size=2,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type=checkpoint, by_epoch=False, interval=1)),
        custom_hooks=[dict(type='NaNGuardHook')],
        **kwargs)
    runner.train()
    return runner


@pytest.mark.parametrize('bad', [math.nan, math.inf])
def test_names_term_and_iteration(tmp_path, bad):
    with pytest.raises(RuntimeError) as info:
        train(tmp_path, bad_at=4, bad=bad)
    message = str(info.value)
    assert 'at iteration 4 ' in message
    assert f'loss_b={bad}' in message
    assert 'loss_a' not in message
    # Stopped before the checkpoint hook of iteration 4 ran.
    assert (tmp_path / 'iter_3.pth').exists()
    assert not (tmp_path / 'iter_4.pth').exists()


def test_finite_losses_train_to_the_end(tmp_path):
    runner = train(tmp_path, bad_at=4, bad=2.0)
    assert runner.iter == 6


def test_registered_for_both_libraries():
    assert SEG_HOOKS.get('NaNGuardHook') is POSE_HOOKS.get('NaNGuardHook')
    assert SEG_HOOKS.get('NaNGuardHook').__module__.startswith('mmhtc.')

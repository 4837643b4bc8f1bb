"""NaNGuardHook stops training at the first non-finite loss and names it."""
import math
from typing import Optional

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import AmpOptimWrapper
from mmengine.optim.optimizer import amp_optimizer_wrapper
from mmengine.runner import Runner
from torch import nn

import mmhtc  # noqa: F401
from mmhtc.registry import POSE_HOOKS, SEG_HOOKS


class ToyModel(BaseModel):
    """Y = w x with two loss terms; ``loss_b`` is multiplied by ``bad`` at iteration
    ``bad_at`` (counted from 1), or from it on (``bad_from``); with ``bad_buffer`` the
    buffer ``seen`` becomes ``bad`` then too."""

    def __init__(self,
                 bad_at: int,
                 bad: float,
                 bad_from: bool = False,
                 bad_buffer: bool = False) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.register_buffer('seen', torch.zeros(()))
        self.bad_at = bad_at
        self.bad = bad
        self.bad_from = bad_from
        self.bad_buffer = bad_buffer
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        if mode != 'loss':
            return out
        self.calls += 1
        loss_b = out.abs().mean()
        if self.calls == self.bad_at or self.bad_from and self.calls > self.bad_at:
            loss_b = loss_b * self.bad
            if self.bad_buffer:
                self.seen.fill_(self.bad)
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
          max_keep_ckpts: int = -1,
          model: Optional[ToyModel] = None,
          guard: Optional[dict] = None,
          **kwargs) -> Runner:
    """Train ``model`` (:class:`ToyModel` of ``bad_at`` and ``bad`` by default) with a
    checkpoint at every iteration and ``NaNGuardHook`` (of ``guard``); ``kwargs``
    override the Runner's arguments."""
    kwargs.setdefault('optim_wrapper', dict(optimizer=dict(type='SGD', lr=0.01)))
    runner = Runner(
        default_scope='mmseg',
        model=model or ToyModel(bad_at, bad),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='InfiniteSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            batch_size=2,
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(
                type=checkpoint,
                by_epoch=False,
                interval=1,
                max_keep_ckpts=max_keep_ckpts)),
        custom_hooks=[dict(type='NaNGuardHook', **(guard or {}))],
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


def train_amp(tmp_path,
              monkeypatch,
              model: ToyModel,
              loss_scale='dynamic',
              **guard) -> Runner:
    """Train ``model`` with mmengine's ``AmpOptimWrapper`` on the CPU: torch's CPU
    ``GradScaler`` (the CUDA one turns itself off without a GPU) and bfloat16
    autocast."""
    monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available', lambda: True)
    wrapper = AmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
        loss_scale=loss_scale,
        dtype='bfloat16')
    scale = 2.0**16 if loss_scale == 'dynamic' else loss_scale
    wrapper.loss_scaler = torch.amp.GradScaler('cpu', init_scale=scale)
    return train(tmp_path, 0, 1.0, model=model, optim_wrapper=wrapper, guard=guard)


def test_amp_skipped_step_is_not_a_stop(tmp_path, monkeypatch):
    """A NaN loss whose update the loss scaler skips: training goes on with the
    weights of before it and the scale halved."""
    model = ToyModel(bad_at=4, bad=math.nan)
    weights = {}

    def keep_weights(module, args) -> None:
        weights[module.calls + 1] = module.linear.weight.detach().clone()

    model.register_forward_pre_hook(keep_weights)
    runner = train_amp(tmp_path, monkeypatch, model)
    assert runner.iter == 6
    assert torch.equal(weights[4], weights[5])
    assert not torch.equal(weights[3], weights[4])
    assert runner.optim_wrapper.loss_scaler.get_scale() == 2.0**15


def test_amp_lasting_non_finite_loss_stops(tmp_path, monkeypatch):
    model = ToyModel(bad_at=2, bad=math.inf, bad_from=True)
    with pytest.raises(RuntimeError) as info:
        train_amp(tmp_path, monkeypatch, model, max_skipped_iters=2)
    message = str(info.value)
    assert 'non-finite loss at iteration 4 ' in message
    assert '3 iterations in a row' in message
    assert 'max_skipped_iters=2' in message


def test_amp_non_finite_buffer_stops(tmp_path, monkeypatch):
    model = ToyModel(bad_at=3, bad=math.nan, bad_buffer=True)
    with pytest.raises(
            RuntimeError,
            match='at iteration 3 .*the loss scaler '
            'skipped the update, but buffer seen became non-finite'):
        train_amp(tmp_path, monkeypatch, model)


def test_amp_static_scale_stops_at_once(tmp_path, monkeypatch):
    """A static loss scale does not change when a step is skipped: the guard
    cannot tell a skipped step and stops."""
    with pytest.raises(RuntimeError, match='at iteration 3 .*loss_b=nan$'):
        train_amp(
            tmp_path, monkeypatch, ToyModel(bad_at=3, bad=math.nan), loss_scale=512.0)

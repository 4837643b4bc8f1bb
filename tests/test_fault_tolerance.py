"""Faults that training survives: a process killed with SIGKILL, interrupted or
failed checkpoint writes, broken checkpoints met by ``--resume``, dying data
loader workers and mixed-precision steps skipped by the loss scaler."""
import errno
import glob
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from test_nan_guard import train
from test_resume import small_config
from torch.utils.data import DataLoader

import mmhtc  # noqa: F401
from mmhtc.datasets import LIPHumanDataset
from mmhtc.datasets.base import lost_samples_message
from mmhtc.engine import find_resume_checkpoint
from mmhtc.registry import POSE_HOOKS, SEG_HOOKS

#: tools/train.py without yapf formatting the logged config (about 3 s a run).
TRAIN = ('import runpy, sys; from mmengine.config import config; '
         'config.FormatCode = lambda text, **kwargs: (text, False); '
         'sys.argv = sys.argv[1:]; '
         "runpy.run_path(sys.argv[0], run_name='__main__')")


def logged_losses(work_dir: str) -> dict:
    """Iteration -> every logged loss value, from the runs' scalars.json."""
    losses = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path, encoding='utf-8') as f:
            for line in f:
                entry = json.loads(line)
                if 'loss' in entry:
                    losses[entry['iter']] = {
                        name: value
                        for name, value in entry.items()
                        if name.startswith('loss') or '.loss' in name
                    }
    return losses


def test_sigkill_then_resume_continues_exactly(synthetic_lip, tmp_path):
    """The demo config (one HRNet block per branch, 32 x 32, batch 2 of 12 images)
    trains 6 iterations with a checkpoint every 2 in a subprocess of tools/train.py, is
    killed with SIGKILL right after its first checkpoint (k = 2, or 4 on a slow machine)
    and restarted with --resume.

    Its logged losses from k + 1 on equal those of an uninterrupted run of the same
    config (in this process, while the subprocess trains).
    """
    cfg = small_config(synthetic_lip, str(tmp_path / 'whole'), 'sigkill', False)
    cfg.train_cfg.update(max_iters=6, val_interval=100)
    # 12 images, 6 batches: one pass (mmengine waits 2 s between passes).
    cfg.train_dataloader.dataset.indices = 12
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.type = 'AtomicCheckpointHook'
    cfg.log_processor = dict(window_size=1)
    # Visualizers are global by name: one of an earlier Runner in this process would
    # keep writing the scalars into that Runner's folder.
    cfg.visualizer.name = f'visualizer_{tmp_path.name}'
    config = str(tmp_path / 'small.py')
    cfg.dump(config)
    killed_dir = str(tmp_path / 'killed')

    def start(*extra: str) -> subprocess.Popen:
        return subprocess.Popen([
            sys.executable, '-c', TRAIN,
            osp.join(REPO_ROOT, 'tools', 'train.py'), config, '--work-dir', killed_dir,
            *extra
        ],
                                cwd=REPO_ROOT,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)

    killed = start()
    # The dumped config, not cfg: the order of its keys decides the order in
    # which the model is built and its weights are drawn.
    Runner.from_cfg(Config.fromfile(config)).train()
    pointer = osp.join(killed_dir, 'last_checkpoint')
    while not osp.isfile(pointer) and killed.poll() is None:
        time.sleep(0.01)
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(60) == -signal.SIGKILL, killed.stderr.read().decode()
    with open(pointer, encoding='utf-8') as f:
        k = int(re.fullmatch(r'iter_(\d+)\.pth', osp.basename(f.read()))[1])
    assert k in (2, 4)
    resumed = start('--resume')
    assert resumed.wait(120) == 0, resumed.stderr.read().decode()
    whole_losses = logged_losses(cfg.work_dir)
    resumed_losses = logged_losses(killed_dir)
    assert sorted(whole_losses) == list(range(1, 7))
    assert sorted(resumed_losses) == list(range(1, 7))
    for it in range(k + 1, 7):
        assert resumed_losses[it] == whole_losses[it], it
    assert whole_losses[k + 1] != whole_losses[k + 2]


def test_failed_checkpoint_write_keeps_the_previous(tmp_path, monkeypatch):
    """A full disk in the middle of writing iter_3.pth, keeping 1 checkpoint:

    the error names it, the temporary file is gone, iter_2.pth (not deleted before its
    successor is written) and last_checkpoint are untouched.
    """
    save = torch.save

    def disk_full_at_third(obj, f, *args, **kwargs):
        if obj['meta']['iter'] == 3:
            f.write(b'PK\x03\x04 half a checkpoint')
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, 'save', disk_full_at_third)
    with pytest.raises(OSError) as info:
        train(
            tmp_path,
            bad_at=0,
            bad=1.0,
            checkpoint='AtomicCheckpointHook',
            max_keep_ckpts=1)
    assert f'could not write checkpoint {tmp_path}/iter_3.pth' in str(info.value)
    assert 'No space left on device' in str(info.value)
    names = os.listdir(tmp_path)
    assert {'iter_2.pth', 'last_checkpoint'} <= set(names)
    assert not [name for name in names if name.startswith('.')]
    assert not {'iter_1.pth', 'iter_3.pth'} & set(names)
    with open(tmp_path / 'last_checkpoint', encoding='utf-8') as f:
        assert f.read() == str(tmp_path / 'iter_2.pth')
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')


def test_resume_skips_broken_checkpoints(tmp_path):
    """A truncated latest checkpoint and a corrupt one before it: --resume takes
    the newest intact one and warns naming both; with none intact it raises."""
    train(tmp_path, bad_at=0, bad=1.0, max_iters=4, checkpoint='AtomicCheckpointHook')
    latest = tmp_path / 'iter_4.pth'
    with open(latest, 'r+b') as f:
        f.truncate(osp.getsize(latest) // 2)
    (tmp_path / 'iter_3.pth').write_bytes(b'not a checkpoint')
    logger = MMLogger.get_current_instance()
    messages = []
    handler = type('Keep', (__import__('logging').Handler, ), {
        'emit': lambda self, record: messages.append(record.getMessage())
    })()
    logger.addHandler(handler)
    try:
        assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')
    finally:
        logger.removeHandler(handler)
    warning = ' '.join(messages)
    # torch's error for the truncated archive depends on where it is cut.
    assert re.search(rf'{latest} \((RuntimeError|OSError): ', warning)
    assert f'{tmp_path}/iter_3.pth (UnpicklingError' in warning
    assert 'the newest intact checkpoint' in warning
    for name in ('iter_1.pth', 'iter_2.pth'):
        (tmp_path / name).write_bytes(b'')
    with pytest.raises(
            RuntimeError,
            match=r'no intact checkpoint in .*'
            r'iter_4\.pth .*iter_1\.pth \(EOFError'):
        find_resume_checkpoint(str(tmp_path))
    assert find_resume_checkpoint(str(tmp_path / 'none')) is None


class FailOn:
    """A transform that raises, or kills its process, on one image."""

    def __init__(self, name: str, kill: bool) -> None:
        self.name, self.kill = name, kill

    def __call__(self, results: dict) -> dict:
        if osp.basename(results['img_path']) == self.name:
            if self.kill:
                os.kill(os.getpid(), signal.SIGKILL)
            raise ValueError('cannot augment this image')
        return dict(index=results['sample_idx'])


def lip_dataset(root: str, kill: bool) -> tuple:
    """4 synthetic LIP images whose pipeline fails on the third; the dataset and that
    image's path."""
    dataset = LIPHumanDataset(
        data_root=root,
        ann_file='TrainVal_images/train_id.txt',
        data_prefix=dict(
            img_path='TrainVal_images/train_images',
            seg_map_path='TrainVal_parsing_annotations/'
            'train_segmentations'),
        indices=4,
        pipeline=[])
    name = osp.basename(dataset.get_data_info(2)['img_path'])
    dataset.pipeline.transforms.append(FailOn(name, kill))
    return dataset, dataset.get_data_info(2)['img_path']


def loading_error(loader: DataLoader) -> Exception:
    """The exception that iterating ``loader`` raises, without its traceback:

    that would keep the loader's workers registered with torch's SIGCHLD handler, which
    then raises at the next child process to exit.
    """
    try:
        list(loader)
    except Exception as error:
        return error.with_traceback(None)
    raise AssertionError('the loader raised nothing')


@pytest.mark.parametrize('num_workers', [0, 1])
def test_transform_error_names_the_sample(synthetic_lip, num_workers):
    dataset, img_path = lip_dataset(synthetic_lip, kill=False)
    error = loading_error(DataLoader(dataset, batch_size=1, num_workers=num_workers))
    assert isinstance(error, ValueError)
    shown = str(error) + ' '.join(getattr(error, '__notes__', []))
    assert 'cannot augment this image' in shown
    assert f'LIPHumanDataset sample 2 (img_path {img_path}' in shown


def test_killed_worker_names_the_sample(synthetic_lip):
    dataset, img_path = lip_dataset(synthetic_lip, kill=True)
    error = loading_error(DataLoader(dataset, batch_size=1, num_workers=1, timeout=60))
    assert isinstance(error, RuntimeError)
    message = lost_samples_message(error)
    assert message.startswith(str(error))
    assert f'LIPHumanDataset sample 2 (img_path {img_path}' in message
    assert 'lower num_workers or batch_size' in message
    assert lost_samples_message(ValueError('other')) is None


@pytest.mark.parametrize(
    'schedule',
    sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '_base_', 'schedules', '*.py'))))
def test_schedules_write_checkpoints_atomically(schedule):
    checkpoint = Config.fromfile(schedule).default_hooks.checkpoint
    assert checkpoint.type == 'AtomicCheckpointHook'
    assert SEG_HOOKS.get('AtomicCheckpointHook') is POSE_HOOKS.get(
        'AtomicCheckpointHook')

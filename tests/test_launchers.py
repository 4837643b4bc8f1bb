"""The launch scripts: torchrun on several machines, slurm, ``--auto-scale-lr``.

Two machines are two ``tools/dist_train.sh`` runs on this one, ``NNODES=2`` with
``NODE_RANK`` 0 and 1 against ``MASTER_ADDR=127.0.0.1``, one CPU process each
(gloo), on the tiny config of ``test_distributed``. The slurm scripts run against a
stand-in ``srun`` that records its arguments.
"""
import importlib.util
import os
import os.path as osp
import stat
import subprocess
import sys

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config
from test_distributed import DEMO, free_port, write_config

TOOLS = osp.join(REPO_ROOT, 'tools')


def run_script(name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(['bash', osp.join(TOOLS, name), *args],
                          env=dict(os.environ, **env),
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True)


@pytest.mark.parametrize('name,args,env,message', [
    ('dist_train.sh', (DEMO, ), {}, 'usage: '),
    ('dist_train.sh', ('missing.py', '2'), {}, 'config missing.py not found'),
    ('dist_train.sh',
     (DEMO, 'two'), {}, "PROCESSES_PER_NODE must be a positive integer, got 'two'"),
    ('dist_train.sh',
     (DEMO, '1'), dict(NNODES='0'), "NNODES must be a positive integer, got '0'"),
    ('dist_train.sh', (DEMO, '1'), dict(
        NNODES='2', NODE_RANK='2'), "NODE_RANK must be in 0 .. NNODES-1 = 1, got '2'"),
    ('dist_test.sh', (DEMO, 'ckpt.pth'), {}, 'usage: '),
    ('slurm_train.sh', ('partition', 'job'), {}, 'usage: '),
    ('slurm_train.sh', ('partition', 'job', DEMO), dict(GPUS='0'),
     "GPUS must be a positive integer, got '0'"),
    ('slurm_test.sh', ('partition', 'job', DEMO), {}, 'usage: '),
])
def test_bad_arguments(name, args, env, message):
    result = run_script(name, *args, **env)
    assert result.returncode == 2
    assert message in result.stderr


@pytest.fixture
def fake_srun(tmp_path):
    """A ``srun`` on PATH that writes its arguments, one a line, and PYTHONPATH."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    record = tmp_path / 'srun.txt'
    srun.write_text('#!/usr/bin/env bash\n'
                    f'printf "%s\\n" "$PYTHONPATH" "$@" > {record}\n')
    srun.chmod(srun.stat().st_mode | stat.S_IEXEC)
    return dict(PATH=f'{bin_dir}:{os.environ["PATH"]}'), record


def test_slurm_train_command(fake_srun):
    env, record = fake_srun
    result = run_script(
        'slurm_train.sh',
        'gpu-part',
        'htcorrm',
        DEMO,
        '--work-dir',
        'w d',
        GPUS='16',
        GPUS_PER_NODE='8',
        CPUS_PER_TASK='3',
        SRUN_ARGS='--time=1:00:00 --qos=high',
        PYTHON='python3',
        **env)
    assert result.returncode == 0, result.stderr
    pythonpath, *args = record.read_text().splitlines()
    assert pythonpath.split(':')[0] == osp.join(TOOLS, '..')
    assert args == [
        '-p', 'gpu-part', '--job-name=htcorrm', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=3', '--kill-on-bad-exit=1',
        '--time=1:00:00', '--qos=high', 'python3', '-u',
        osp.join(TOOLS, 'train.py'), DEMO, '--launcher', 'slurm', '--work-dir', 'w d'
    ]


def test_slurm_test_command_defaults(fake_srun):
    env, record = fake_srun
    result = run_script(
        'slurm_test.sh', 'p', 'j', DEMO, 'ckpt.pth', '--tta', GPUS='2', **env)
    assert result.returncode == 0, result.stderr
    _, *args = record.read_text().splitlines()
    assert args == [
        '-p', 'p', '--job-name=j', '--gres=gpu:2', '--ntasks=2', '--ntasks-per-node=2',
        '--cpus-per-task=5', '--kill-on-bad-exit=1', 'python', '-u',
        osp.join(TOOLS, 'test.py'), DEMO, 'ckpt.pth', '--launcher', 'slurm', '--tta'
    ]


def test_auto_scale_lr_needs_base_batch(monkeypatch, tmp_path):
    """A config whose ``auto_scale_lr`` has no base batch: the error names it."""
    config = str(tmp_path / 'no_base_batch.py')
    with open(config, 'w') as f:
        f.write(f'_base_ = {osp.join(REPO_ROOT, DEMO)!r}\n'
                'auto_scale_lr = dict(_delete_=True, enable=False)\n')
    spec = importlib.util.spec_from_file_location('train_tool',
                                                  osp.join(TOOLS, 'train.py'))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    monkeypatch.setattr(train, 'trust_local_checkpoints', lambda: None)
    monkeypatch.setattr(sys, 'argv', ['train.py', config, '--auto-scale-lr'])
    with pytest.raises(
            ValueError,
            match=f'{config}: --auto-scale-lr needs '
            r'auto_scale_lr = dict\(base_batch_size=...\)'):
        train.main()


def test_two_nodes(synthetic_lip, tmp_path):
    """Two nodes of one process each train one iteration as one job of world size 2, and
    ``--auto-scale-lr`` scales the learning rate by 2 x 2 / 8."""
    config = str(tmp_path / 'two_nodes.py')
    write_config(synthetic_lip, config, 2)
    cfg = Config.fromfile(config)
    cfg.optim_wrapper.optimizer.lr = 0.01
    cfg.auto_scale_lr = dict(enable=False, base_batch_size=8)
    cfg.train_cfg.max_iters = 1
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.dump(config)
    env = dict(
        os.environ,
        PYTHONPATH=REPO_ROOT,
        OMP_NUM_THREADS='1',
        PYTHON=sys.executable,
        NNODES='2',
        MASTER_ADDR='127.0.0.1',
        PORT=str(free_port()))
    work_dir = str(tmp_path / 'work')
    nodes = [
        subprocess.Popen([
            'bash',
            osp.join(TOOLS, 'dist_train.sh'), config, '1', '--work-dir', work_dir,
            '--auto-scale-lr'
        ],
                         env=dict(env, NODE_RANK=str(rank)),
                         cwd=REPO_ROOT,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT,
                         text=True) for rank in (1, 0)
    ]
    outputs = [node.communicate(timeout=300)[0] for node in nodes]
    for node, output in zip(nodes, outputs):
        assert node.returncode == 0, output[-3000:]
    log = outputs[1]
    assert 'GPU number: 2' in log
    assert ('LR is set based on batch size of 8 and the current batch size '
            'is 4. Scaling the original LR by 0.5.') in log
    assert 'Iter(train) [1/1]  lr: 5.0000e-03' in log
    assert osp.isfile(osp.join(work_dir, 'iter_1.pth'))

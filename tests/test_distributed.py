"""Two-process CPU training and testing (torchrun, gloo) give one process's results.

Training: a DDP step averages the gradients of the ranks' batches. The reference
is one process that computes exactly that: the same per-rank batches one after the
other with gradient accumulation over 2 (``accumulative_counts=2``, the loss
halved). Both runs go through ``tools/train.py`` on the demo config (one HRNet block
per branch, 32 x 32 inputs, the synthetic LIP data) for 3 SGD steps of 2 x 2
images. Everything that is per batch stays as in real training (BN's batch
statistics, the edge loss's class balance: per rank, or per accumulated batch);
what would differ for other reasons is fixed: the augmentations (no flip, scale 1,
no rotation, no photometric distortion) and dropout (off, in the head and the
parsing encoder). The parameters after every step must agree within
``WEIGHT_TOLERANCE`` (room for float32 rounding of the gloo all-reduce against a
sum in one process; on this machine they are bit-identical) and change from step
to step. BN's running statistics are not compared:
DDP keeps rank 0's, one process averages over both ranks' batches.

Testing: the trained single-process checkpoint is tested by ``tools/test.py`` and
by ``tools/dist_test.sh CONFIG CHECKPOINT 2``; the metrics must be equal exactly,
which checks the sharding of the 5 test images over 2 processes (3 + 2, the padded
duplicate dropped) and the gathering of the per-image results before the metrics.

The two-process runs are the stock scripts as a user runs them: on CPU
``tools/train.py`` and ``tools/test.py`` open the gloo process group themselves and
wrap the model with ``device_ids=None`` (:func:`mmhtc.apis.setup_cpu_distributed`).
"""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist
from conftest import REPO_ROOT
from mmengine.config import Config
from test_htcorrm_training import small

DEMO = 'configs/demo/htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py'
TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')
TEST = osp.join(REPO_ROOT, 'tools', 'test.py')
DIST_TRAIN = osp.join(REPO_ROOT, 'tools', 'dist_train.sh')
DIST_TEST = osp.join(REPO_ROOT, 'tools', 'dist_test.sh')

# Skipped only where asked and torch's launcher or gloo is missing.
pytestmark = pytest.mark.skipif(
    os.environ.get('MMHTC_SKIP_TORCHRUN') == '1'
    and not (dist.is_available() and dist.is_gloo_available()),
    reason='torchrun / gloo unavailable (MMHTC_SKIP_TORCHRUN=1)')

#: Largest weight difference allowed after each SGD step.
WEIGHT_TOLERANCE = 1e-5
#: Training images: 3 steps of 2 ranks x 2 images.
NUM_TRAIN = 12


def write_config(root: str, path: str, processes: int) -> None:
    """The test config of one process (accumulating 2 batches per step, in the order of
    the ranks' batches) or of 2 processes."""
    cfg = small(Config.fromfile(osp.join(REPO_ROOT, DEMO)), root, '', 32)
    for stage, branches in (('stage1', 1), ('stage2', 2), ('stage3', 3), ('stage4', 4)):
        cfg.model.backbone.extra[stage].update(
            num_modules=1, num_blocks=(1, ) * branches)
    head = cfg.model.decode_head
    head.dropout_ratio = head.core.encoders.parsing.dropout = 0.0
    for module in (*head.core.encoders.values(), head.core.hnl):
        module.norm_cfg = dict(type='BN')
    cfg.model = cfg.model.to_dict()
    train = cfg.train_dataloader
    train.dataset.pipeline = [
        t for t in train.dataset.pipeline if t['type'] != 'PhotoMetricDistortion'
    ]
    for transform in train.dataset.pipeline:
        if transform['type'] == 'JointRandomFlip':
            transform['prob'] = 0.0
        if transform['type'] == 'JointRandomAffine':
            transform.update(scale_range=(1.0, 1.0), rotate_range=0.0)
    train.batch_size = 2
    train.sampler.shuffle = False
    # rank r of 2 takes the images r, r + 2, r + 4, ... in batches of 2
    train.dataset.indices = list(range(NUM_TRAIN)) if processes == 2 else [
        i + r + 2 * k for i in range(0, NUM_TRAIN, 4) for r in (0, 1) for k in (0, 1)
    ]
    steps = 3 * (3 - processes)
    cfg.val_dataloader.dataset.indices = 5
    cfg.optim_wrapper.update(
        optimizer=dict(type='SGD', lr=1e-3, momentum=0.9),
        accumulative_counts=3 - processes)
    cfg.train_cfg.update(max_iters=steps, val_interval=steps + 1)
    cfg.default_hooks.checkpoint.update(interval=3 - processes, max_keep_ckpts=-1)
    cfg.randomness = dict(seed=0)
    cfg.find_unused_parameters = True
    cfg.dump(path)


def parameters(work_dir: str, step: int) -> dict:
    """The trainable parameters of ``iter_<step>.pth`` (no BN statistics)."""
    state = torch.load(
        osp.join(work_dir, f'iter_{step}.pth'), map_location='cpu',
        weights_only=False)['state_dict']
    return {
        k: v
        for k, v in state.items() if k.rsplit('.', 1)[-1] in ('weight', 'bias')
    }


def logged_test_metrics(work_dir: str) -> dict:
    """The metrics a ``tools/test.py`` run logged in its json log."""
    (run, ) = [d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d))]
    with open(osp.join(work_dir, run, f'{run}.json')) as f:
        (result, ) = [json.loads(line) for line in f if 'mIoU' in line]
    return {k: v for k, v in result.items() if k not in ('data_time', 'time')}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_processes_train_and_test_as_one(synthetic_lip, tmp_path):
    env = dict(
        os.environ,
        PYTHONPATH=REPO_ROOT,
        OMP_NUM_THREADS='1',
        PYTHON=sys.executable,
        PORT=str(free_port()))
    one, two = str(tmp_path / 'one'), str(tmp_path / 'two')
    write_config(synthetic_lip, f'{one}.py', 1)
    write_config(synthetic_lip, f'{two}.py', 2)

    def run(*command):
        subprocess.run(command, check=True, env=env, cwd=REPO_ROOT, capture_output=True)

    run(sys.executable, TRAIN, f'{one}.py', '--work-dir', one)
    run('bash', DIST_TRAIN, f'{two}.py', '2', '--work-dir', two)
    for step in (1, 2, 3):
        single, double = parameters(one, 2 * step), parameters(two, step)
        assert single.keys() == double.keys()
        for name, value in single.items():
            torch.testing.assert_close(
                double[name], value, rtol=0, atol=WEIGHT_TOLERANCE, msg=name)
    first = parameters(one, 2)
    changed = [n for n, v in single.items() if not torch.equal(v, first[n])]
    assert len(changed) > len(single) // 2  # every step trains

    checkpoint = osp.join(one, 'iter_6.pth')
    run(sys.executable, TEST, f'{one}.py', checkpoint, '--work-dir', f'{one}_test')
    run('bash', DIST_TEST, f'{one}.py', checkpoint, '2', '--work-dir', f'{two}_test')
    single = logged_test_metrics(f'{one}_test')
    assert single == logged_test_metrics(f'{two}_test')
    assert {'mIoU', 'edge/ODS', 'pose/PCK', 'lip/PCKh'} <= set(single)


def test_two_process_nppnet_search(synthetic_lip, tmp_path):
    """``tools/dist_train.sh`` runs an NPPNet search (alternating steps through
    ``NPPNetSearchDDP``) and writes the derived genotype."""
    from test_nppnet_search import STAGE1, demo_config

    from mmhtc.models.nas import load_genotype
    cfg = demo_config(STAGE1, synthetic_lip, '')
    cfg.model.train_cfg.warmup = 0
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.dump(str(tmp_path / 'search.py'))
    env = dict(
        os.environ,
        PYTHONPATH=REPO_ROOT,
        OMP_NUM_THREADS='1',
        PYTHON=sys.executable,
        PORT=str(free_port()))
    run = subprocess.run([
        'bash', DIST_TRAIN,
        str(tmp_path / 'search.py'), '2', '--work-dir',
        str(tmp_path / 'work')
    ],
                         env=env,
                         cwd=REPO_ROOT,
                         capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    assert 'arch_loss' in run.stdout + run.stderr
    genotype = load_genotype(str(tmp_path / 'work' / 'genotype.yaml'))
    assert set(genotype) == {'encoder', 'decoder'}

"""Two-process CPU training (torchrun, gloo) evaluates as one process does.

Both runs go through ``tools/train.py`` on the demo config (one HRNet block per
branch, 32 x 32 inputs, 4 training and 5 validation images of the synthetic LIP
data), the same total batch (4 per iteration: one process with 4, or two with 2
each; the ASPP image pooling needs 2 per BN) and 2 iterations, then validate.
The learning rate is 0 and every BN layer has ``momentum=0`` (running statistics
stay at their initial values), so the weights that validate are the initial
ones, identical in both runs, and the comparison tests what distribution changes: the DDP training step (forward,
backward, gradient all-reduce over gloo), the sharding of the 5 validation images
over 2 processes (3 + 2, the padded duplicate dropped) and the gathering of the
per-image results before the metrics. The metrics must be equal exactly.

The two-process run is ``tools/dist_train.sh CONFIG 2`` as a user runs it: on CPU
``tools/train.py`` opens the gloo process group itself and wraps the model with
``device_ids=None`` (:func:`mmhtc.apis.setup_cpu_distributed`).
"""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch.distributed as dist
from mmengine.config import Config

from conftest import REPO_ROOT
from test_htcorrm_training import small

DEMO = 'configs/demo/htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py'
TRAIN = osp.join(REPO_ROOT, 'tools', 'train.py')
DIST_TRAIN = osp.join(REPO_ROOT, 'tools', 'dist_train.sh')

# Skipped only where asked and torch's launcher or gloo is missing.
pytestmark = pytest.mark.skipif(
    os.environ.get('MMHTC_SKIP_TORCHRUN') == '1'
    and not (dist.is_available() and dist.is_gloo_available()),
    reason='torchrun / gloo unavailable (MMHTC_SKIP_TORCHRUN=1)')


def frozen_bn(cfg):
    """Set ``momentum=0`` in every BN config of ``cfg``."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'BN':
            cfg['momentum'] = 0.0
        for value in cfg.values():
            frozen_bn(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            frozen_bn(value)
    return cfg


def write_config(root: str, path: str, batch_size: int) -> None:
    cfg = small(Config.fromfile(osp.join(REPO_ROOT, DEMO)), root, '', 32)
    for stage, branches in (('stage1', 1), ('stage2', 2), ('stage3', 3),
                            ('stage4', 4)):
        cfg.model.backbone.extra[stage].update(
            num_modules=1, num_blocks=(1, ) * branches)
    core = cfg.model.decode_head.core
    for encoder in core.encoders.values():
        encoder.norm_cfg = dict(type='BN')
    core.hnl.norm_cfg = dict(type='BN')
    model = frozen_bn(cfg.model.to_dict())
    cfg.model = model
    cfg.train_dataloader.batch_size = batch_size
    cfg.val_dataloader.dataset.indices = 5
    cfg.optim_wrapper.optimizer.lr = 0.0
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.randomness = dict(seed=0)
    cfg.find_unused_parameters = True
    cfg.dump(path)


def metrics(work_dir: str) -> dict:
    """The validation metrics from the run's scalars.json."""
    (run, ) = [d for d in os.listdir(work_dir) if osp.isdir(
        osp.join(work_dir, d))]
    with open(osp.join(work_dir, run, 'vis_data', 'scalars.json')) as f:
        records = [json.loads(line) for line in f]
    (result, ) = [r for r in records if 'mIoU' in r]
    return {k: v for k, v in result.items() if k not in ('data_time', 'time')}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_processes_evaluate_as_one(synthetic_lip, tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1',
               PYTHON=sys.executable, PORT=str(free_port()))
    write_config(synthetic_lip, str(tmp_path / 'one.py'), 4)
    write_config(synthetic_lip, str(tmp_path / 'two.py'), 2)
    subprocess.run([
        sys.executable, TRAIN,
        str(tmp_path / 'one.py'), '--work-dir',
        str(tmp_path / 'one')
    ], check=True, env=env, cwd=REPO_ROOT, capture_output=True)
    subprocess.run([
        'bash', DIST_TRAIN,
        str(tmp_path / 'two.py'), '2', '--work-dir',
        str(tmp_path / 'two')
    ], check=True, env=env, cwd=REPO_ROOT, capture_output=True)
    single = metrics(str(tmp_path / 'one'))
    assert single == metrics(str(tmp_path / 'two'))
    assert single['step'] == 2
    assert {'mIoU', 'edge/ODS', 'pose/PCK', 'lip/PCKh'} <= set(single)


def test_two_process_nppnet_search(synthetic_lip, tmp_path):
    """``tools/dist_train.sh`` runs an NPPNet search (alternating steps through
    ``NPPNetSearchDDP``) and writes the derived genotype."""
    from mmhtc.models.nas import load_genotype
    from test_nppnet_search import STAGE1, demo_config
    cfg = demo_config(STAGE1, synthetic_lip, '')
    cfg.model.train_cfg.warmup = 0
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    cfg.dump(str(tmp_path / 'search.py'))
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, OMP_NUM_THREADS='1',
               PYTHON=sys.executable, PORT=str(free_port()))
    run = subprocess.run([
        'bash', DIST_TRAIN,
        str(tmp_path / 'search.py'), '2', '--work-dir',
        str(tmp_path / 'work')
    ], env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    assert 'arch_loss' in run.stdout + run.stderr
    genotype = load_genotype(str(tmp_path / 'work' / 'genotype.yaml'))
    assert set(genotype) == {'encoder', 'decoder'}

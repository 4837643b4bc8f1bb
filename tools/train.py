"""Train a model from a config, the standard OpenMMLab way.

Works for mmseg and mmpose configs alike (the config's ``default_scope`` picks the
registries); mmhtc modules are available through ``custom_imports``.
"""
import argparse
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmhtc.apis import setup_cpu_distributed, trust_local_checkpoints
from mmhtc.datasets.base import naming_lost_samples
from mmhtc.engine import find_resume_checkpoint, intact_checkpoint_error


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='resume from the latest checkpoint in the work dir (the newest '
        'intact one when the latest is truncated or corrupt), or from '
        'load_from when the config sets it')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the total batch size (processes x '
        'train_dataloader.batch_size) over the config\'s '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value (xxx=yyy format)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def resume_from(cfg: Config) -> Optional[str]:
    """The checkpoint ``--resume`` continues from: ``load_from`` when set (it must be
    intact), else the newest intact checkpoint of the work dir."""
    if cfg.get('load_from', None) is None:
        return find_resume_checkpoint(cfg.work_dir)
    reason = intact_checkpoint_error(cfg.load_from)
    if reason is not None:
        raise RuntimeError(
            f'--resume: load_from {cfg.load_from} cannot be resumed from: '
            f'{reason}')
    return cfg.load_from


def main() -> None:
    args = parse_args()
    trust_local_checkpoints()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ValueError(f'{args.config}: --auto-scale-lr needs auto_scale_lr = '
                             'dict(base_batch_size=...) in the config, the total batch '
                             'size its learning rate is for')
        cfg.auto_scale_lr.enable = True
    cfg.resume = args.resume
    if args.resume:
        cfg.load_from = resume_from(cfg)

    setup_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    with naming_lost_samples():
        runner.train()


if __name__ == '__main__':
    main()

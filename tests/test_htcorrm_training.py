"""Each main task trains 2 iterations and evaluates through the mmengine Runner."""
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO_ROOT
from test_htcorrm_configs import offline


def small(cfg: Config, root: str, work_dir: str, size: int) -> Config:
    """Point a config at the synthetic LIP data at a small input size."""
    cfg.work_dir = work_dir
    cfg.model = offline(cfg.model.to_dict())
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader_cfg = cfg[loader]
        loader_cfg.update(
            batch_size=2 if loader == 'train_dataloader' else 1,
            num_workers=0,
            persistent_workers=False)
        dataset = loader_cfg.dataset
        dataset.update(data_root=root, indices=4)
        for transform in dataset.pipeline:
            for key in ('input_size', 'scale'):
                if key in transform:
                    transform[key] = (size, size)
            encoder = transform.get('encoder')
            if encoder:
                encoder.update(
                    input_size=(size, size), heatmap_size=(size // 4, size // 4))
    for key in ('size', ):
        if key in cfg.model.get('data_preprocessor', {}):
            cfg.model['data_preprocessor'][key] = (size, size)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.pop('visualization', None)
    cfg.param_scheduler = []
    return cfg


def run(name: str, synthetic_lip: str, tmp_path, size: int, **train_cfg):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', name))
    cfg = small(cfg, synthetic_lip, str(tmp_path), size)
    cfg.train_cfg.update(train_cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.val_loop.run()


def test_parsing_main(synthetic_lip, tmp_path):
    metrics = run(
        'demo/htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py',
        synthetic_lip,
        tmp_path,
        64,
        max_iters=2,
        val_interval=2)
    assert 0 <= metrics['mIoU'] <= 100


def test_pose_main(synthetic_lip, tmp_path):
    metrics = run(
        'htcorrm/htcorrm_hrnetv2-w32_2xb16-220e_lip-256x256.py',
        synthetic_lip,
        tmp_path,
        64,
        max_epochs=1,
        val_interval=1)
    assert 0 <= metrics['lip/PCKh'] <= 100


def test_edge_main(synthetic_lip, tmp_path):
    metrics = run(
        'htcorrm/htcorrm-edge_bdcn_1xb4-40k_lip-384x384.py',
        synthetic_lip,
        tmp_path,
        64,
        max_iters=2,
        val_interval=2)
    assert set(metrics) == {'ODS', 'OIS', 'AP'}
    assert 0 <= metrics['ODS'] <= 100

"""Training on the synthetic LIP data through the mmengine Runner: the shared
small-config helper, and validation metrics checked against the predictions."""
import csv
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image
from test_htcorrm_configs import offline

#: The joints LIP's PCKh Mean pools (all but the pelvis and the thorax).
LIP_MEAN_JOINTS = (0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15)


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


def lip_val_truth(root: str) -> dict:
    """Per val image: its parsing label and the LIP CSV joints (x, y, visible)."""
    truth = {}
    with open(osp.join(root, 'TrainVal_pose_annotations', 'lip_val_set.csv')) as f:
        for row in csv.reader(f):
            joints = np.array(row[1:], float).reshape(16, 3)
            label = np.asarray(
                Image.open(
                    osp.join(root, 'TrainVal_parsing_annotations', 'val_segmentations',
                             row[0].replace('.jpg', '.png'))))
            truth[row[0]] = (label, np.nan_to_num(joints[:, :2]),
                             ~np.isnan(joints[:, 0]))
    return truth


def test_validation_scores_the_predictions(synthetic_lip, tmp_path):
    """The Runner's validation metrics equal mIoU and LIP PCKh@0.5 computed here from
    the model's predictions and the files' labels."""
    cfg = small(
        Config.fromfile(
            osp.join(REPO_ROOT, 'configs', 'demo',
                     'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py')),
        synthetic_lip, str(tmp_path), 64)
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    truth = lip_val_truth(synthetic_lip)
    confusion = np.zeros((20, 20), np.int64)
    correct = total = 0
    runner.model.eval()
    for batch in runner.val_dataloader:
        with torch.no_grad():
            samples = runner.model.test_step(batch)
        for sample in samples:
            label, joints, visible = truth[osp.basename(sample.img_path)]
            pred = sample.pred_sem_seg.data[0].numpy()
            valid = label != 255
            confusion += np.bincount(
                20 * label[valid].astype(np.int64) + pred[valid],
                minlength=400).reshape(20, 20)
            head = np.linalg.norm(joints[9] - joints[8])
            if visible[8] and visible[9]:
                distance = np.linalg.norm(
                    sample.pred_instances.keypoints[0] - joints, axis=1)
                scored = visible & np.isin(np.arange(16), LIP_MEAN_JOINTS)
                correct += (distance[scored] <= 0.5 * head).sum()
                total += scored.sum()
    union = confusion.sum(0) + confusion.sum(1) - np.diag(confusion)
    with np.errstate(invalid='ignore'):
        iou = np.diag(confusion) / union
    assert metrics['mIoU'] == pytest.approx(round(100 * np.nanmean(iou), 2), abs=1e-6)
    assert metrics['lip/PCKh'] == pytest.approx(100 * correct / total)

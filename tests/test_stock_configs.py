"""Stock mmseg and mmpose configs train on an mmhtc dataset via custom_imports."""
import os.path as osp
import subprocess
import sys
import textwrap

from conftest import REPO_ROOT

LIP_SPLIT = """
    data_root={root!r},
    ann_file='TrainVal_images/{split}_id.txt',
    pose_file='TrainVal_pose_annotations/lip_{split}_set.csv',
    data_prefix=dict(
        img_path='TrainVal_images/{split}_images',
        seg_map_path='TrainVal_parsing_annotations/{split}_segmentations'),
"""

MMSEG_CONFIG = """
_base_ = 'mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py'
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=(64, 64)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=20, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=20, norm_cfg=norm_cfg))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='LIPHumanDataset', {train}
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadHumanAnnotations'),
            dict(type='JointRandomFlip'),
            dict(type='JointRandomAffine', input_size=(64, 64)),
            dict(type='PackHumanSegInputs')]))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='LIPHumanDataset', {val}
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(64, 64), keep_ratio=True),
            dict(type='LoadHumanAnnotations'),
            dict(type='PackHumanSegInputs')]))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(logger=dict(interval=1))
"""

MMPOSE_CONFIG = """
_base_ = ('mmpose::body_2d_keypoint/topdown_heatmap/mpii/'
          'td-hm_res50_8xb64-210e_mpii-256x256.py')
custom_imports = dict(imports=['mmhtc'], allow_failed_imports=False)
model = dict(backbone=dict(init_cfg=None))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='LIPHumanDataset', data_mode='topdown',
        indices=4, {train} pipeline={{{{_base_.train_pipeline}}}}))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='LIPHumanDataset', data_mode='topdown',
        indices=4, test_mode=True, {val}
        pipeline={{{{_base_.val_pipeline}}}}))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='PCKAccuracy')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
"""


def train(config_text: str, tmp_path) -> str:
    config = tmp_path / 'config.py'
    config.write_text(textwrap.dedent(config_text))
    out = subprocess.run([
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'train.py'),
        str(config), '--work-dir',
        str(tmp_path / 'work_dir')
    ],
                         capture_output=True,
                         text=True,
                         check=False,
                         cwd=str(tmp_path))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


def splits(root: str) -> dict:
    return {
        split: LIP_SPLIT.format(root=root, split=split)
        for split in ('train', 'val')
    }


def test_stock_mmseg_config_trains(synthetic_lip, tmp_path):
    log = train(MMSEG_CONFIG.format(**splits(synthetic_lip)), tmp_path)
    assert 'Iter(train) [2/2]' in log
    assert 'mIoU' in log


def test_stock_mmpose_config_trains(synthetic_lip, tmp_path):
    log = train(MMPOSE_CONFIG.format(**splits(synthetic_lip)), tmp_path)
    assert 'Epoch(train) [1][2/2]' in log
    assert 'PCK' in log

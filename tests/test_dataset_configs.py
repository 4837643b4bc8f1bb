"""configs/_base_/datasets build and run their train pipelines on real-format data."""
import json
import os.path as osp

import numpy as np
import pytest
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.registry import DATASETS, init_default_scope
from PIL import Image

import mmhtc  # noqa: F401

CONFIGS = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets')


def empty_coco(path, names) -> str:
    content = dict(
        images=[dict(id=i, file_name=n) for i, n in enumerate(names)], annotations=[])
    path.write_text(json.dumps(content))
    return str(path)


def run_train_pipeline(config: str, scope: str, **dataset_overrides):
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    dataset_cfg = cfg.train_dataloader.dataset
    for key, value in dataset_overrides.items():
        dataset_cfg[key] = value
    init_default_scope(scope)
    dataset = DATASETS.build(dataset_cfg)
    packed = dataset[0]
    return cfg, packed


@pytest.mark.parametrize('config', ['lip_parsing.py', 'synthetic_lip.py'])
def test_lip_parsing(config, synthetic_lip):
    cfg, packed = run_train_pipeline(config, 'mmseg', data_root=synthetic_lip)
    h, w = cfg.crop_size[::-1]
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, h, w)
    assert sample.gt_sem_seg.data.shape == (1, h, w)
    assert sample.gt_edge_map.data.shape == (1, h, w)
    assert sample.gt_fields.heatmaps.shape == (16, h // 4, w // 4)


def test_lip_pose(synthetic_lip):
    _, packed = run_train_pipeline('lip_pose.py', 'mmpose', data_root=synthetic_lip)
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 256, 256)
    assert sample.gt_fields.heatmaps.shape == (16, 64, 64)
    assert sample.gt_sem_seg.data.shape == (1, 256, 256)


def test_cihp_parsing(shared_data, tmp_path):
    root = osp.join(shared_data, 'cihp', 'instance-level_human_parsing')
    names = open(osp.join(root, 'Training', 'train_id.txt')).read().split()
    pose = empty_coco(tmp_path / 'pose.json', [n + '.jpg' for n in names])
    _, packed = run_train_pipeline(
        'cihp_parsing.py', 'mmseg', data_root=root, pose_file=pose)
    sample = packed['data_samples']
    assert sample.gt_fields.heatmaps.shape == (17, 96, 96)
    assert sample.gt_sem_seg.data.shape == (1, 384, 384)


def one_person_coco(path, root, names, num_keypoints=14) -> str:
    """A COCO-format pose file with one person per image: the box of the image's
    middle half and its keypoints on the box's diagonal, all visible."""
    images, annotations = [], []
    for i, name in enumerate(names):
        w, h = Image.open(osp.join(root, 'JPEGImages', name)).size
        x, y = w / 4, h / 4
        t = np.linspace(0, 1, num_keypoints)
        keypoints = np.stack([x + t * w / 2, y + t * h / 2, np.full_like(t, 2)], 1)
        images.append(dict(id=i, file_name=name, width=w, height=h))
        annotations.append(
            dict(
                id=i,
                image_id=i,
                category_id=1,
                bbox=[x, y, w / 2, h / 2],
                keypoints=keypoints.ravel().tolist(),
                num_keypoints=num_keypoints,
                iscrowd=0))
    path.write_text(json.dumps(dict(images=images, annotations=annotations)))
    return str(path)


def test_pascal_person_part(shared_data, tmp_path):
    """Training samples are person crops (top-down) at the crop size."""
    root = osp.join(shared_data, 'pascal_person_part')
    names = open(osp.join(root, 'train_id.txt')).read().split()
    pose = one_person_coco(tmp_path / 'pose.json', root, [n + '.jpg' for n in names])
    _, packed = run_train_pipeline(
        'pascal_person_part.py',
        'mmseg',
        data_root=root,
        pose_file=pose,
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='pascal_person_part_gt_DERIVED'))
    assert packed['inputs'].shape == (3, 384, 384)
    assert packed['data_samples'].gt_fields.heatmaps.shape == (14, 96, 96)
    values = set(packed['data_samples'].gt_sem_seg.data.unique().tolist())
    assert values <= set(range(7)) | {255}


def test_atr_parsing(tmp_path):
    rng = np.random.default_rng(0)
    for folder in ('humanparsing/JPEGImages', 'humanparsing/SegmentationClassAug'):
        (tmp_path / folder).mkdir(parents=True)
    for i in range(2):
        Image.fromarray(rng.integers(0, 255, (60, 40, 3), np.uint8)).save(
            tmp_path / f'humanparsing/JPEGImages/{i}.jpg')
        Image.fromarray(rng.integers(0, 18, (60, 40), np.uint8)).save(
            tmp_path / f'humanparsing/SegmentationClassAug/{i}.png')
    (tmp_path / 'train_id.txt').write_text('0\n1\n')
    pose = empty_coco(tmp_path / 'pose.json', ['0.jpg', '1.jpg'])
    _, packed = run_train_pipeline(
        'atr_parsing.py', 'mmseg', data_root=str(tmp_path), pose_file=pose)
    values = set(packed['data_samples'].gt_sem_seg.data.unique().tolist())
    assert values <= set(range(18)) | {255}


def test_mpii_pose(shared_data, tmp_path):
    root = osp.join(shared_data, 'mpii')
    for ann in json.load(open(osp.join(root, 'test_mpii.json'))):
        w, h = Image.open(osp.join(root, ann['image'])).size
        Image.fromarray(np.full(
            (h, w), 5, np.uint8)).save(tmp_path / ann['image'].replace('.jpg', '.png'))
    _, packed = run_train_pipeline(
        'mpii_pose.py',
        'mmpose',
        data_root=root,
        ann_file='test_mpii.json',
        data_prefix=dict(img='', seg_map_path=str(tmp_path)))
    sample = packed['data_samples']
    assert sample.gt_fields.heatmaps.shape == (16, 64, 64)
    assert set(sample.gt_sem_seg.data.unique().tolist()) <= {5, 255}

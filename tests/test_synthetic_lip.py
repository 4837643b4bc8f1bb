"""Tests of the synthetic LIP-format dataset generator."""
import csv
import os
import os.path as osp
import re
from typing import Dict, List

import numpy as np
import pytest
from PIL import Image

from mmhtc.datasets.synthetic_lip import PLAUSIBLE_CLASSES, generate_synthetic_lip

SPLITS = ('train', 'val')
FLIP_JOINTS = (5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10)
FLIP_CLASSES = {14: 15, 15: 14, 16: 17, 17: 16, 18: 19, 19: 18}


def read_split(root: str, split: str) -> List[dict]:
    """Per image of ``split``: id, image, label and joints (16, 2) / flags (16,)."""
    with open(osp.join(root, 'TrainVal_images', f'{split}_id.txt')) as f:
        ids = f.read().split()
    with open(osp.join(root, 'TrainVal_pose_annotations', f'lip_{split}_set.csv')) as f:
        rows = list(csv.reader(f))
    assert [row[0] for row in rows] == [f'{i}.jpg' for i in ids]
    samples = []
    for image_id, row in zip(ids, rows):
        assert len(row) == 49
        values = np.array(row[1:], float).reshape(16, 3)
        image = Image.open(
            osp.join(root, 'TrainVal_images', f'{split}_images', f'{image_id}.jpg'))
        label = Image.open(
            osp.join(root, 'TrainVal_parsing_annotations', f'{split}_segmentations',
                     f'{image_id}.png'))
        assert label.mode == 'L' and label.size == image.size
        samples.append(
            dict(
                id=image_id,
                image=np.asarray(image),
                label=np.asarray(label),
                joints=values[:, :2],
                flags=values[:, 2]))
    return samples


def tree_bytes(root: str) -> Dict[str, bytes]:
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                files[osp.relpath(path, root)] = f.read()
    return files


@pytest.fixture(scope='module')
def small(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('small'))
    generate_synthetic_lip(root, num_train=12, num_val=4, seed=3)
    return root


@pytest.fixture(scope='module')
def hundred(tmp_path_factory) -> List[dict]:
    root = str(tmp_path_factory.mktemp('hundred'))
    generate_synthetic_lip(root, num_train=84, num_val=16, seed=0)
    return read_split(root, 'train') + read_split(root, 'val')


def test_layout(small):
    assert sorted(os.listdir(small)) == [
        'SYNTHETIC.md', 'TrainVal_images', 'TrainVal_parsing_annotations',
        'TrainVal_pose_annotations'
    ]
    all_ids = []
    for split, num in zip(SPLITS, (12, 4)):
        with open(osp.join(small, 'TrainVal_images', f'{split}_id.txt')) as f:
            ids = f.read().split()
        assert len(ids) == num and all(re.fullmatch(r'\d+_\d+', i) for i in ids)
        images = os.listdir(osp.join(small, 'TrainVal_images', f'{split}_images'))
        labels = os.listdir(
            osp.join(small, 'TrainVal_parsing_annotations', f'{split}_segmentations'))
        assert sorted(images) == sorted(f'{i}.jpg' for i in ids)
        assert sorted(labels) == sorted(f'{i}.png' for i in ids)
        all_ids += ids
    assert len(set(all_ids)) == 16
    assert sorted(os.listdir(osp.join(small, 'TrainVal_pose_annotations'))) == [
        'lip_train_set.csv', 'lip_val_set.csv'
    ]
    with open(osp.join(small, 'SYNTHETIC.md')) as f:
        marker = f.read()
    assert 'synthetic' in marker.lower() and 'mmhtc' in marker
    assert 'seed=3' in marker and 'num_train=12' in marker and 'num_val=4' in marker


def test_labels_and_pose_rows(small):
    for split in SPLITS:
        for sample in read_split(small, split):
            label, joints, flags = sample['label'], sample['joints'], sample['flags']
            assert label.dtype == np.uint8 and label.max() <= 19
            assert label.shape == sample['image'].shape[:2]
            missing = np.isnan(joints).any(1)
            assert (np.isnan(joints).all(1) == missing).all()
            assert (np.isnan(flags) == missing).all()
            assert set(flags[~missing]) <= {0, 1}
            h, w = label.shape
            assert (joints[~missing] >= 0).all()
            assert (joints[~missing, 0] < w).all() and (joints[~missing, 1] < h).all()


def test_plausible_classes_table():
    assert sorted(PLAUSIBLE_CLASSES) == list(range(16))
    for joint, classes in PLAUSIBLE_CLASSES.items():
        assert 0 not in classes and set(classes) <= set(range(1, 20))
        # A horizontal flip maps the table onto itself.
        flipped = {FLIP_CLASSES.get(c, c) for c in classes}
        assert flipped == set(PLAUSIBLE_CLASSES[FLIP_JOINTS[joint]])


def test_joints_on_plausible_classes(hundred):
    for sample in hundred:
        label = sample['label']
        h, w = label.shape
        flipped_label = np.vectorize(lambda c: FLIP_CLASSES.get(c, c))(label[:, ::-1])
        for joint, (x, y) in enumerate(sample['joints']):
            if np.isnan(x):
                continue
            row, col = int(round(y)), int(round(x))
            assert label[row, col] in PLAUSIBLE_CLASSES[joint], (sample['id'], joint)
            # The flipped joint lands on the swapped class of the flipped label.
            flipped = flipped_label[row, w - 1 - col]
            assert flipped in PLAUSIBLE_CLASSES[FLIP_JOINTS[joint]]


def test_left_right_consistency(hundred):
    """An arm's / leg's pixels lie nearer that side's joints than the other side's.

    Checked on limbs that do not cross the body's midline (the thorax for arms, the
    pelvis for legs): the centroid of a class's pixels must be nearer a joint of its own
    limb than any joint of the opposite limb. A hand reaching past the midline can
    legitimately fail this, so a small fraction of failures is tolerated; a left/right
    mix-up (say in back views) fails far more.
    """
    limbs = ((15, [10, 11, 12], [13, 14, 15], 7), (14, [13, 14, 15], [10, 11, 12], 7),
             (17, [0, 1, 2], [3, 4, 5], 6), (16, [3, 4, 5], [0, 1, 2], 6))
    results, front_view = [], set()
    for sample in hundred:
        label, joints = sample['label'], sample['joints']
        if not np.isnan(joints[[12, 13]]).any():
            front_view.add(bool(joints[12, 0] < joints[13, 0]))
        for cls, own, other, middle in limbs:
            rows, cols = np.nonzero(label == cls)
            if cols.size < 30 or np.isnan(joints[own + other + [middle]]).any():
                continue
            own_side = np.sign(joints[own, 0] - joints[middle, 0])
            other_side = np.sign(joints[other, 0] - joints[middle, 0])
            if (own_side != own_side[0]).any() or (other_side != -own_side[0]).any():
                continue
            center = np.array([cols.mean(), rows.mean()])
            own_dist = np.linalg.norm(joints[own] - center, axis=1).min()
            other_dist = np.linalg.norm(joints[other] - center, axis=1).min()
            results.append(own_dist < other_dist)
    assert len(results) > 150 and np.mean(results) > 0.97
    # Front views (right side on the image left) and back views both occur.
    assert front_view == {False, True}


def test_deterministic(tmp_path):
    generate_synthetic_lip(str(tmp_path / 'a'), num_train=12, num_val=4, seed=5)
    generate_synthetic_lip(str(tmp_path / 'b'), num_train=12, num_val=4, seed=5)
    first, second = tree_bytes(str(tmp_path / 'a')), tree_bytes(str(tmp_path / 'b'))
    assert len(first) == 2 * 16 + 5 and first == second
    generate_synthetic_lip(str(tmp_path / 'c'), num_train=12, num_val=4, seed=6)
    assert tree_bytes(str(tmp_path / 'c')) != first


def test_idempotent(tmp_path):
    root = str(tmp_path)
    generate_synthetic_lip(root, num_train=12, num_val=4, seed=0)
    paths = [
        osp.join(folder, name) for folder, _, names in os.walk(root) for name in names
    ]
    mtimes = {path: os.stat(path).st_mtime_ns for path in paths}
    generate_synthetic_lip(root, num_train=12, num_val=4, seed=0)
    assert {path: os.stat(path).st_mtime_ns for path in paths} == mtimes
    # Other parameters replace the data and leave no staging folder behind.
    generate_synthetic_lip(root, num_train=6, num_val=2, seed=0)
    assert len(read_split(root, 'train')) == 6 and len(read_split(root, 'val')) == 2
    assert not [name for name in os.listdir(root) if name.startswith('.')]


def test_images_textured_and_varied(hundred):
    assert any(sample['image'].ndim == 2 for sample in hundred)
    assert sum(sample['image'].ndim == 3 for sample in hundred) > 80
    for sample in hundred:
        assert sample['image'].std() > 15, sample['id']
        person = sample['label'] > 0
        assert 0.05 < person.mean() < 0.9, sample['id']
    classes = set().union(*(np.unique(sample['label']) for sample in hundred))
    assert len(classes) >= 15
    flags = np.concatenate([sample['flags'] for sample in hundred])
    assert 0 < np.nansum(flags) < 0.2 * np.sum(~np.isnan(flags))

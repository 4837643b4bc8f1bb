"""Properties of the shared transforms on synthetic and real human samples."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmseg.datasets.transforms import GenerateEdge
from PIL import Image

import mmhtc  # noqa: F401
from mmhtc.datasets.synthetic_lip import PLAUSIBLE_CLASSES
from mmhtc.datasets.transforms import (GenerateHumanEdge, JointRandomAffine,
                                       JointRandomFlip)
from mmhtc.registry import SEG_DATASETS

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadHumanAnnotations')]


def lip_dataset(root: str, split: str = 'train', **kwargs):
    init_default_scope('mmseg')
    return SEG_DATASETS.build(
        dict(
            type='LIPHumanDataset',
            data_root=root,
            ann_file=f'TrainVal_images/{split}_id.txt',
            pose_file=f'TrainVal_pose_annotations/lip_{split}_set.csv',
            data_prefix=dict(
                img_path=f'TrainVal_images/{split}_images',
                seg_map_path='TrainVal_parsing_annotations/'
                f'{split}_segmentations'),
            pipeline=LOAD,
            **kwargs))


def visible_pixels(keypoints: np.ndarray, visible: np.ndarray, shape):
    """(person, joint, row, col) of the visible keypoints inside ``shape``."""
    h, w = shape
    for n, k in zip(*np.nonzero(visible > 0)):
        col, row = np.round(keypoints[n, k]).astype(int)
        if 0 <= row < h and 0 <= col < w:
            yield n, k, row, col


def test_flip_twice_is_identity(synthetic_lip):
    dataset = lip_dataset(synthetic_lip)
    flip = JointRandomFlip(prob=1.0)
    for i in range(6):
        sample = dataset[i]
        original = {
            k: np.copy(v)
            for k, v in sample.items() if isinstance(v, np.ndarray)
        }
        twice = flip(flip(sample))
        for key in ('img', 'gt_seg_map', 'keypoints', 'keypoints_visible', 'bbox'):
            np.testing.assert_allclose(twice[key], original[key])


def test_flip_swaps_classes_like_cihp_reversed_labels(shared_data):
    """CIHP ships each label flipped with left/right swapped: ours must match."""
    root = osp.join(shared_data, 'cihp/instance-level_human_parsing/Training')
    init_default_scope('mmseg')
    dataset = SEG_DATASETS.build(
        dict(
            type='CIHPHumanDataset',
            data_root=root,
            ann_file='train_id.txt',
            data_prefix=dict(img_path='Images', seg_map_path='Category_ids'),
            pipeline=LOAD + [dict(type='JointRandomFlip', prob=1.0)]))
    assert len(dataset) == 6
    for i in range(len(dataset)):
        sample = dataset[i]
        reversed_label = np.array(
            Image.open(f'{root}/Category_rev_ids/{sample["img_id"]}.png'))
        np.testing.assert_array_equal(sample['gt_seg_map'], reversed_label)


def test_flip_moves_joints_onto_the_mirrored_part(synthetic_lip):
    dataset = lip_dataset(synthetic_lip)
    flip = JointRandomFlip(prob=1.0)
    checked = 0
    for i in range(len(dataset)):
        sample = flip(dataset[i])
        seg = sample['gt_seg_map']
        for _, k, row, col in visible_pixels(sample['keypoints'],
                                             sample['keypoints_visible'], seg.shape):
            assert seg[row, col] in PLAUSIBLE_CLASSES[k], (
                f'image {sample["img_id"]}: flipped joint {k} on class '
                f'{seg[row, col]}')
            checked += 1
    assert checked > 200


def test_affine_identity_when_region_is_the_input():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)
    seg = rng.integers(0, 20, (40, 60), dtype=np.uint8)
    keypoints = rng.uniform(0, 39, (2, 16, 2)).astype(np.float32)
    affine = JointRandomAffine((60, 40), scale_range=(1, 1), rotate_range=0)
    out = affine(
        dict(
            img=img.copy(),
            gt_seg_map=seg.copy(),
            seg_fields=['gt_seg_map'],
            keypoints=keypoints))
    np.testing.assert_array_equal(out['img'], img)
    np.testing.assert_array_equal(out['gt_seg_map'], seg)
    np.testing.assert_allclose(out['transformed_keypoints'], keypoints, atol=1e-4)


@pytest.mark.parametrize('rotation', [90.0, -35.0])
def test_affine_keypoints_follow_the_warped_pixels(rotation):
    """Mark pixels in a map, warp it, and find the marks at the keypoints."""
    h, w = 61, 41
    points = np.array([[[10, 12], [30, 50], [20, 30]]], np.float32)
    marks = np.zeros((h, w), np.uint8)
    for i, (x, y) in enumerate(points[0].astype(int)):
        marks[y - 1:y + 2, x - 1:x + 2] = i + 1
    affine = JointRandomAffine((64, 64),
                               scale_range=(0.9, 0.9),
                               rotate_range=abs(rotation))
    affine._sample = lambda: (0.9, rotation, np.zeros(2))
    out = affine(
        dict(
            img=np.zeros((h, w, 3), np.uint8),
            gt_seg_map=marks,
            seg_fields=['gt_seg_map'],
            keypoints=points))
    for i, (x, y) in enumerate(out['transformed_keypoints'][0]):
        rows, cols = np.nonzero(out['gt_seg_map'] == i + 1)
        assert abs(rows.mean() - y) < 0.6 and abs(cols.mean() - x) < 0.6


def test_affine_keeps_keypoints_on_plausible_classes(synthetic_lip):
    dataset = lip_dataset(synthetic_lip)
    affine = JointRandomAffine((128, 128),
                               scale_range=(0.75, 1.25),
                               rotate_range=60,
                               shift_range=0.1)
    np.random.seed(0)
    checked = 0
    for i in range(len(dataset)):
        sample = affine(dataset[i])
        seg = sample['gt_seg_map']
        for _, k, row, col in visible_pixels(sample['transformed_keypoints'],
                                             sample['keypoints_visible'], seg.shape):
            window = seg[max(row - 1, 0):row + 2, max(col - 1, 0):col + 2]
            assert np.isin(window, PLAUSIBLE_CLASSES[k]).any(), (
                f'image {sample["img_id"]}: joint {k} at ({row}, {col}) on '
                f'{np.unique(window)}')
            checked += 1
    assert checked > 200


def test_edge_of_transformed_parsing_is_transformed_edge(synthetic_lip):
    """GenerateEdge after the affine equals the affine of its edges, within 1 px."""
    dataset = lip_dataset(synthetic_lip)
    edge = GenerateEdge(edge_width=1)
    affine = JointRandomAffine((160, 160), scale_range=(1, 1), rotate_range=45)
    np.random.seed(1)
    kernel = np.ones((3, 3), np.uint8)
    for i in range(8):
        sample = dataset[i]
        sample['img_shape'] = sample['gt_seg_map'].shape
        sample = edge(sample)
        sample['seg_fields'].append('gt_edge_map')
        warped = affine(sample)
        defined = cv2.erode((warped['gt_seg_map'] != 255).astype(np.uint8), kernel) > 0
        from_warped_parsing = edge(dict(warped))['gt_edge_map'] > 0
        warped_edge = warped['gt_edge_map'] == 1
        near_warped = cv2.dilate(warped_edge.astype(np.uint8), kernel) > 0
        near_generated = cv2.dilate(from_warped_parsing.astype(np.uint8), kernel) > 0
        assert not (from_warped_parsing & defined & ~near_warped).any()
        assert not (warped_edge & defined & ~near_generated).any()


def test_topdown_pose_pipeline_packs_parsing_and_edges(synthetic_lip):
    """Mmpose's own top-down transforms around the shared ones."""
    init_default_scope('mmpose')
    codec = dict(
        type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
    pipeline = Compose(LOAD + [
        dict(type='GetBBoxCenterScale'),
        dict(type='JointRandomFlip', prob=1.0),
        dict(
            type='JointRandomAffine',
            input_size=(96, 128),
            rotate_range=0,
            scale_range=(1, 1)),
        dict(type='mmseg.GenerateEdge', edge_width=3),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackHumanPoseInputs', pack_transformed=True),
    ])
    dataset = lip_dataset(synthetic_lip, data_mode='topdown')
    packed = pipeline(dataset.get_data_info(0))
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 128, 96)
    assert sample.gt_fields.heatmaps.shape == (16, 32, 24)
    assert sample.gt_sem_seg.data.shape == (1, 128, 96)
    assert sample.gt_edge_map.data.shape == (1, 128, 96)
    assert set(sample.gt_edge_map.data.unique().tolist()) <= {0, 1, 255}
    assert sample.flip and sample.input_size == (96, 128)
    heatmaps = sample.gt_fields.heatmaps.numpy()
    weights = sample.gt_instance_labels.keypoint_weights.numpy()[0]
    transformed = sample.gt_instances.transformed_keypoints[0]
    assert weights.sum() > 0
    for k in np.flatnonzero(weights > 0):
        row, col = np.unravel_index(heatmaps[k].argmax(), heatmaps[k].shape)
        assert heatmaps[k, row, col] == pytest.approx(1.0)
        np.testing.assert_allclose([col, row], transformed[k] / 4, atol=0.51)


def test_image_level_packing_for_segmentors(synthetic_lip):
    init_default_scope('mmseg')
    codec = dict(
        type='MultiPersonHeatmap',
        input_size=(128, 128),
        heatmap_size=(32, 32),
        sigma=2)
    pipeline = Compose(LOAD + [
        dict(type='JointRandomAffine', input_size=(128, 128)),
        dict(type='GenerateEdge', edge_width=3),
        dict(type='mmpose.GenerateTarget', encoder=codec),
        dict(type='PackHumanSegInputs'),
    ])
    dataset = lip_dataset(synthetic_lip)
    results = dataset.get_data_info(1)
    packed = pipeline(results)
    sample = packed['data_samples']
    assert sample.gt_sem_seg.data.shape == (1, 128, 128)
    assert sample.gt_edge_map.data.shape == (1, 128, 128)
    assert sample.gt_fields.heatmaps.shape == (16, 32, 32)
    assert sample.gt_instances.keypoints.shape == (1, 16, 2)
    assert sample.gt_instance_labels.keypoint_weights.shape == (1, 16)


def test_generate_human_edge_follows_the_parsing_grid(synthetic_lip):
    dataset = lip_dataset(synthetic_lip)
    sample = dataset[0]
    expected = GenerateEdge(edge_width=3)(dict(sample))['gt_edge_map']
    edge = GenerateHumanEdge(edge_width=3)
    np.testing.assert_array_equal(edge(dict(sample))['gt_edge_map'], expected)
    # after a test-time resize the labels keep the original resolution
    resized = dict(sample, img_shape=(17, 11))
    out = edge(resized)
    np.testing.assert_array_equal(out['gt_edge_map'], expected)
    assert out['img_shape'] == (17, 11)
    assert 'gt_edge_map' in out['seg_fields']

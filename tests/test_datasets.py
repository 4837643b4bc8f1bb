"""Dataset loaders on the real samples in ../shared/data, checked against the files."""
import csv
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

import mmhtc  # noqa: F401
from mmhtc.registry import POSE_DATASETS, SEG_DATASETS

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadHumanAnnotations')]


def build(registry, scope: str, **cfg):
    init_default_scope(scope)
    return registry.build(cfg)


def lip_cfg(lip_root: str, ann_file: str, **kwargs) -> dict:
    return dict(
        type='LIPHumanDataset',
        data_root=lip_root,
        ann_file=ann_file,
        pose_file='TrainVal_pose_annotations/lip_val_set_full.csv',
        data_prefix=dict(
            img_path='TrainVal_images/val_images',
            seg_map_path='TrainVal_parsing_annotations/val_segmentations'),
        pipeline=LOAD,
        **kwargs)


def csv_rows(path: str) -> dict:
    with open(path, newline='') as f:
        return {row[0]: row[1:] for row in csv.reader(f)}


@pytest.mark.parametrize('registry,scope', [(SEG_DATASETS, 'mmseg'),
                                            (POSE_DATASETS, 'mmpose')])
def test_lip_sample_agrees_with_files(shared_data, tmp_path, registry, scope):
    lip = osp.join(shared_data, 'lip')
    ids = tmp_path / 'ids.txt'
    ids.write_text('86_185913\n')
    dataset = build(registry, scope, **lip_cfg(lip, str(ids)))
    assert len(dataset) == 1
    sample = dataset[0]
    label = np.array(
        Image.open(
            osp.join(lip, 'TrainVal_parsing_annotations/val_segmentations/'
                     '86_185913.png')))
    np.testing.assert_array_equal(sample['gt_seg_map'], label)
    # LIP ships this image as a grayscale JPEG: it must arrive as 3 channels.
    assert sample['img'].shape == label.shape + (3, )
    row = csv_rows(osp.join(
        lip, 'TrainVal_pose_annotations/lip_val_set.csv'))['86_185913.jpg']
    expected = np.array(row, dtype=np.float32).reshape(16, 3)[:, :2]
    np.testing.assert_allclose(sample['keypoints'][0], expected)
    assert sample['keypoints_visible'].tolist() == [[1.0] * 16]
    h, w = label.shape
    np.testing.assert_array_equal(sample['bbox'], [[0, 0, w, h]])
    assert dataset.metainfo['flip_indices'] == [
        5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10
    ]


def test_lip_pose_rows_with_missing_joints(shared_data):
    lip = osp.join(shared_data, 'lip')
    dataset = build(
        SEG_DATASETS,
        'mmseg',
        type='LIPHumanDataset',
        data_root=lip,
        ann_file='TrainVal_images/val_id.txt',
        pose_file='TrainVal_pose_annotations/lip_val_set.csv',
        data_prefix=dict(img_path='TrainVal_images/val_images'))
    rows = csv_rows(osp.join(lip, 'TrainVal_pose_annotations/lip_val_set.csv'))
    assert len(dataset) == len(rows) == 7
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        values = np.array(
            rows[info['img_id'] + '.jpg'], dtype=np.float32).reshape(16, 3)
        annotated = ~np.isnan(values[:, 0])
        np.testing.assert_array_equal(info['keypoints_visible'][0], annotated)
        np.testing.assert_allclose(info['keypoints'][0][annotated],
                                   values[annotated, :2])
    # 313434_204398 has 10 of 16 joints annotated.
    by_id = {dataset.get_data_info(i)['img_id']: i for i in range(7)}
    assert dataset.get_data_info(
        by_id['313434_204398'])['keypoints_visible'].sum() == 10


def test_lip_topdown_one_sample_per_person(shared_data):
    dataset = build(
        POSE_DATASETS,
        'mmpose',
        type='LIPHumanDataset',
        data_root=osp.join(shared_data, 'lip'),
        ann_file='TrainVal_images/val_id.txt',
        pose_file='TrainVal_pose_annotations/lip_val_set.csv',
        data_mode='topdown',
        data_prefix=dict(img_path='TrainVal_images/val_images'))
    assert len(dataset) == 7
    assert {dataset.get_data_info(i)['id'] for i in range(7)} == set(range(7))
    assert all(
        dataset.get_data_info(i)['keypoints'].shape == (1, 16, 2) for i in range(7))


def cihp_cfg(root: str, ids: str, **kwargs) -> dict:
    return dict(
        type='CIHPHumanDataset',
        data_root=root,
        ann_file=ids,
        data_prefix=dict(
            img_path='Images', seg_map_path='Category_ids', edge_map_path='edges'),
        pipeline=LOAD,
        **kwargs)


def test_cihp_parsing_and_edges(shared_data, tmp_path):
    root = osp.join(shared_data, 'cihp/instance-level_human_parsing/Training')
    ids = tmp_path / 'ids.txt'
    with_edges = ['0002190', '0005008', '0012008', '0026375', '0032190']
    ids.write_text('\n'.join(with_edges))
    dataset = build(SEG_DATASETS, 'mmseg', **cihp_cfg(root, str(ids)))
    assert dataset.metainfo['classes'][10] == 'Torso-skin'
    for i, img_id in enumerate(with_edges):
        sample = dataset[i]
        label = np.array(Image.open(f'{root}/Category_ids/{img_id}.png'))
        edge = np.array(Image.open(f'{root}/edges/{img_id}.png'))
        np.testing.assert_array_equal(sample['gt_seg_map'], label)
        np.testing.assert_array_equal(sample['gt_edge_map'], edge > 0)
        assert sample['keypoints'].shape == (0, 17, 2)


def test_cihp_missing_edge_file_is_named(shared_data):
    root = osp.join(shared_data, 'cihp/instance-level_human_parsing/Training')
    with pytest.raises(FileNotFoundError, match=r'edges/0000002\.png'):
        build(SEG_DATASETS, 'mmseg', **cihp_cfg(root, 'train_id.txt'))


def test_coco_format_keypoints(shared_data):
    """A COCO-format pose file (CIHP/ATR pseudo-labels) read on real COCO data."""
    coco = osp.join(shared_data, 'coco')
    dataset = build(
        SEG_DATASETS,
        'mmseg',
        type='CIHPHumanDataset',
        data_root=coco,
        pose_file='test_coco.json',
        data_prefix=dict(img_path=''))
    with open(osp.join(coco, 'test_coco.json')) as f:
        content = json.load(f)
    assert len(dataset) == len(content['images']) == 4
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        image = next(img for img in content['images']
                     if img['file_name'] == info['img_id'] + '.jpg')
        anns = [a for a in content['annotations'] if a['image_id'] == image['id']]
        assert len(info['keypoints']) == len(anns)
        for n, ann in enumerate(anns):
            kpts = np.array(ann['keypoints'], np.float32).reshape(17, 3)
            np.testing.assert_array_equal(info['keypoints_visible'][n], kpts[:, 2] > 0)
            labelled = kpts[:, 2] > 0
            np.testing.assert_allclose(info['keypoints'][n][labelled],
                                       kpts[labelled, :2])
            x, y, w, h = ann['bbox']
            np.testing.assert_allclose(info['bbox'][n], [x, y, x + w, y + h], rtol=1e-5)


@pytest.mark.parametrize('scope', ['mmseg', 'mmpose'])
def test_mpii_keypoints_and_generated_parsing(shared_data, tmp_path, scope):
    mpii = osp.join(shared_data, 'mpii')
    with open(osp.join(mpii, 'test_mpii.json')) as f:
        anns = json.load(f)
    parsing_dir = tmp_path / 'parsing'
    parsing_dir.mkdir()
    for ann in anns:
        w, h = Image.open(osp.join(mpii, ann['image'])).size
        label = (np.arange(h * w) % 20).reshape(h, w).astype(np.uint8)
        Image.fromarray(label).save(parsing_dir / ann['image'].replace('.jpg', '.png'))
    registry = SEG_DATASETS if scope == 'mmseg' else POSE_DATASETS
    dataset = build(
        registry,
        scope,
        type='MPIIHumanDataset',
        data_root=mpii,
        ann_file='test_mpii.json',
        data_prefix=dict(img='', seg_map_path=str(parsing_dir)),
        pipeline=LOAD)
    assert len(dataset) == 5
    for i, ann in enumerate(anns):
        sample = dataset[i]
        np.testing.assert_allclose(sample['keypoints'][0], ann['joints'])
        np.testing.assert_array_equal(sample['keypoints_visible'][0], ann['joints_vis'])
        expected = np.array(
            Image.open(parsing_dir / ann['image'].replace('.jpg', '.png')))
        np.testing.assert_array_equal(sample['gt_seg_map'], expected)
        assert sample['class_flip_pairs'] == ((14, 15), (16, 17), (18, 19))


def test_pascal_person_part(shared_data):
    root = osp.join(shared_data, 'pascal_person_part')
    dataset = build(
        SEG_DATASETS,
        'mmseg',
        type='PascalPersonPartHumanDataset',
        data_root=root,
        ann_file='val_id.txt',
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='pascal_person_part_gt_DERIVED'),
        pipeline=LOAD)
    assert len(dataset) == 6
    assert dataset.metainfo['num_keypoints'] == 14
    for i in range(len(dataset)):
        sample = dataset[i]
        assert sample['gt_seg_map'].max() <= 6
        assert sample['gt_seg_map'].shape == sample['img'].shape[:2]

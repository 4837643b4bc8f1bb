"""Bad annotations stop with an error that names the file and the problem."""
import shutil

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from PIL import Image, UnidentifiedImageError

import mmhtc  # noqa: F401
from mmhtc.registry import SEG_DATASETS

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadHumanAnnotations')]


@pytest.fixture
def lip_copy(synthetic_lip, tmp_path):
    root = tmp_path / 'lip'
    shutil.copytree(synthetic_lip, root)
    return root


def build(root, **kwargs):
    init_default_scope('mmseg')
    cfg = dict(
        type='LIPHumanDataset',
        data_root=str(root),
        ann_file='TrainVal_images/val_id.txt',
        pose_file='TrainVal_pose_annotations/lip_val_set.csv',
        data_prefix=dict(
            img_path='TrainVal_images/val_images',
            seg_map_path='TrainVal_parsing_annotations/val_segmentations'),
        pipeline=LOAD)
    cfg.update(kwargs)
    return SEG_DATASETS.build(cfg)


def first_id(root) -> str:
    return (root / 'TrainVal_images/val_id.txt').read_text().split()[0]


def edit_csv_line(root, edit) -> None:
    path = root / 'TrainVal_pose_annotations/lip_val_set.csv'
    lines = path.read_text().splitlines()
    lines[1] = edit(lines[1])
    path.write_text('\n'.join(lines) + '\n')


def test_pose_row_with_wrong_field_count(lip_copy):
    edit_csv_line(lip_copy, lambda line: line.rsplit(',', 1)[0])
    with pytest.raises(
            ValueError, match=r'lip_val_set.csv, line 2: expected 49 fields'):
        build(lip_copy)


def test_pose_row_with_partial_nan(lip_copy):
    edit_csv_line(lip_copy,
                  lambda line: line.split(',', 1)[0] + ',nan,' + line.split(',', 2)[2])
    with pytest.raises(ValueError, match=r'line 2: joints \[0\] are only'):
        build(lip_copy)


def test_pose_row_with_text(lip_copy):
    edit_csv_line(lip_copy,
                  lambda line: line.split(',', 1)[0] + ',abc,' + line.split(',', 2)[2])
    with pytest.raises(ValueError, match=r'lip_val_set.csv, line 2'):
        build(lip_copy)


def test_listed_image_missing(lip_copy):
    img_id = first_id(lip_copy)
    (lip_copy / f'TrainVal_images/val_images/{img_id}.jpg').unlink()
    with pytest.raises(
            FileNotFoundError, match=rf'{img_id}\.jpg of image .* listed in'):
        build(lip_copy)


def test_empty_split(lip_copy):
    (lip_copy / 'TrainVal_images/val_id.txt').write_text('\n')
    with pytest.raises(ValueError, match='the split is empty'):
        build(lip_copy)


def test_pose_file_matching_no_image(lip_copy):
    path = lip_copy / 'TrainVal_pose_annotations/lip_val_set.csv'
    path.write_text(path.read_text().replace('_', 'x'))
    with pytest.raises(ValueError, match='no image of the split has an entry'):
        build(lip_copy)


def test_label_of_wrong_size(lip_copy):
    img_id = first_id(lip_copy)
    path = lip_copy / f'TrainVal_parsing_annotations/val_segmentations/{img_id}.png'
    Image.fromarray(np.zeros((7, 9), np.uint8)).save(path)
    with pytest.raises(ValueError, match=rf'{img_id}\.png: map of size \(7, 9\)'):
        build(lip_copy)[0]


def test_label_values_beyond_the_classes(lip_copy):
    img_id = first_id(lip_copy)
    path = lip_copy / f'TrainVal_parsing_annotations/val_segmentations/{img_id}.png'
    label = np.array(Image.open(path))
    label[0, :3] = [20, 37, 255]
    Image.fromarray(label).save(path)
    with pytest.raises(ValueError, match=rf'{img_id}\.png: label values \[20, 37\]'):
        build(lip_copy)[0]


def test_rgb_label(lip_copy):
    img_id = first_id(lip_copy)
    path = lip_copy / f'TrainVal_parsing_annotations/val_segmentations/{img_id}.png'
    label = np.array(Image.open(path))
    Image.fromarray(np.stack([label] * 3, -1)).save(path)
    with pytest.raises(ValueError, match='expected a single-channel map'):
        build(lip_copy)[0]


def test_unknown_data_mode(lip_copy):
    with pytest.raises(ValueError, match="data_mode must be 'bottomup' or"):
        build(lip_copy, data_mode='per-person')


@pytest.mark.parametrize(
    'damage', [
        lambda data: data[:len(data) // 2],
        lambda data: data[:-20],
    ],
    ids=['half', 'tail'])
def test_truncated_image(lip_copy, damage):
    img_id = first_id(lip_copy)
    path = lip_copy / f'TrainVal_images/val_images/{img_id}.jpg'
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(AssertionError, match=rf'failed to load image: .*{img_id}\.jpg'):
        build(lip_copy)[0]


def test_image_that_is_no_image(lip_copy):
    img_id = first_id(lip_copy)
    path = lip_copy / f'TrainVal_images/val_images/{img_id}.jpg'
    path.write_bytes(b'not an image')
    # LIP reads every image's size when the dataset is built.
    with pytest.raises(
            UnidentifiedImageError,
            match=rf'cannot identify image file .*{img_id}\.jpg'):
        build(lip_copy)


def test_joint_outside_the_image_is_hidden_in_training(lip_copy, caplog):
    img_id = first_id(lip_copy)
    path = lip_copy / f'TrainVal_images/val_images/{img_id}.jpg'
    width, height = Image.open(path).size
    csv = lip_copy / 'TrainVal_pose_annotations/lip_val_set.csv'
    lines = csv.read_text().splitlines()
    (row, ) = [i for i, line in enumerate(lines) if line.startswith(f'{img_id}.jpg,')]
    fields = lines[row].split(',')
    fields[1:4] = [str(width + 20), '5', '0']
    lines[row] = ','.join(fields)
    csv.write_text('\n'.join(lines) + '\n')
    logger = MMLogger.get_current_instance()
    logger.addHandler(caplog.handler)
    try:
        train = build(lip_copy)
    finally:
        logger.removeHandler(caplog.handler)
    (sample, ) = [s for s in train if s['img_id'] == img_id]
    assert sample['keypoints_visible'][0, 0] == 0
    assert (sample['keypoints'][0, 0] == 0).all()
    assert (sample['keypoints_visible'][0, 1:] > 0).any()
    assert (f'1 annotated joints lie outside their image and are marked not '
            f'visible (e.g. {path} ({width} x {height}): person 0, joint 0 '
            f'at ({width + 20}, 5))') in caplog.text
    test = build(lip_copy, test_mode=True)
    (sample, ) = [s for s in test if s['img_id'] == img_id]
    assert sample['keypoints_visible'][0, 0] == 1
    assert sample['keypoints'][0, 0].tolist() == [width + 20, 5]

"""The pose and MPII parsing label generators on the real samples, random-init
models."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from PIL import Image
from pycocotools import mask as mask_utils
from scipy import ndimage
from scipy.io import loadmat
from test_dataset_converters import load_tool

POSE_CONFIG = """
default_scope = 'mmpose'
codec = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16),
             sigma=2)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18),
    head=dict(type='HeatmapHead', in_channels=512, out_channels=17,
              deconv_out_channels=(16, ), deconv_kernel_sizes=(4, ),
              decoder=codec),
    test_cfg=dict(flip_test=False))
train_dataloader = dict(dataset=dict(type='CocoDataset'))
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=(48, 64)),
    dict(type='PackPoseInputs')]))
"""

DET_CONFIG = """
default_scope = 'mmdet'
model = dict(
    type='RetinaNet',
    data_preprocessor=dict(type='DetDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                           pad_size_divisor=32),
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ),
                  norm_eval=True),
    neck=dict(type='FPN', in_channels=[512], out_channels=16, num_outs=1),
    bbox_head=dict(type='RetinaHead', num_classes=1, in_channels=16, stacked_convs=1,
                   feat_channels=16,
                   anchor_generator=dict(type='AnchorGenerator',
                                         octave_base_scale=4, scales_per_octave=1,
                                         ratios=[1.0], strides=[32]),
                   bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0] * 4,
                                   target_stds=[1.0] * 4)),
    test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.05,
                  nms=dict(type='nms', iou_threshold=0.5), max_per_img=20))
test_dataloader = dict(dataset=dict(type='CocoDataset', pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64), keep_ratio=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape',
                                          'img_shape', 'scale_factor'))]))
"""


@pytest.fixture(scope='module')
def tool():
    return load_tool('generate_pose_labels')


@pytest.fixture(scope='module')
def pose_model(tmp_path_factory):
    """A random-init SimpleBaseline (ResNet-18) config and its checkpoint."""
    from mmpose.apis import init_model
    folder = tmp_path_factory.mktemp('pose_model')
    config = str(folder / 'pose.py')
    with open(config, 'w') as f:
        f.write(POSE_CONFIG)
    torch.manual_seed(0)
    model = init_model(config, None, device='cpu')
    checkpoint = str(folder / 'pose.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    return config, checkpoint


def run(tool, pose_model, root, dataset, out, *extra):
    tool.main([
        root, '--dataset', dataset, '--pose-config', pose_model[0], '--pose-checkpoint',
        pose_model[1], '--out',
        str(out), *extra
    ])
    with open(out) as f:
        return json.load(f)


def coco_box(mask: np.ndarray) -> list:
    """Pycocotools' [x, y, w, h] of a binary mask."""
    return mask_utils.toBbox(
        mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))).tolist()


def test_pascal_person_boxes_are_the_person_masks(tool, pose_model, shared_data,
                                                  tmp_path):
    from mmhtc.datasets import PascalPersonPartHumanDataset
    root = osp.join(shared_data, 'pascal_person_part')
    content = run(tool, pose_model, root, 'pascal-person-part', tmp_path / 'pose.json',
                  '--joints', 'lsp')
    names = {img['id']: img['file_name'] for img in content['images']}
    for img_id in ('2008_000652', '2010_005243'):
        objects = loadmat(f'{root}/Annotations_Part/{img_id}.mat')['anno'][
            0, 0]['objects'][0]
        expected = [
            coco_box(o['mask'] > 0) for o in objects if str(o['class'][0]) == 'person'
        ]
        written = [
            a['bbox'] for a in content['annotations']
            if names[a['image_id']] == img_id + '.jpg'
        ]
        np.testing.assert_allclose(written, expected)
    dataset = PascalPersonPartHumanDataset(
        data_root=root,
        ann_file='val_id.txt',
        pose_file=str(tmp_path / 'pose.json'),
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='pascal_person_part_gt_DERIVED'),
        pipeline=[])
    assert sum(len(d['keypoints']) for d in dataset) == sum(
        1 for a in content['annotations']
        if names[a['image_id']][:-4] in open(f'{root}/val_id.txt').read())
    # head top has no COCO source: never annotated
    assert all(a['keypoints'][13 * 3 + 2] == 0 for a in content['annotations'])


@pytest.fixture(scope='module')
def cihp_root(shared_data, tmp_path_factory):
    """The real CIHP samples plus a ``Human_ids`` stand-in (the samples ship none): the
    connected components of each parsing label's foreground."""
    root = tmp_path_factory.mktemp('cihp')
    source = osp.join(shared_data, 'cihp', 'instance-level_human_parsing', 'Training')
    for name in ('Images', 'Category_ids', 'train_id.txt'):
        os.symlink(osp.join(source, name), root / name)
    os.makedirs(root / 'Human_ids')
    for name in sorted(os.listdir(root / 'Category_ids')):
        parsing = np.array(Image.open(root / 'Category_ids' / name))
        ids, _ = ndimage.label(parsing > 0)
        Image.fromarray(ids.astype(np.uint8)).save(root / 'Human_ids' / name)
    return str(root)


def test_cihp_json_has_one_person_per_instance_and_resumes(tool, pose_model, cihp_root,
                                                           tmp_path, monkeypatch):
    from mmhtc.datasets import CIHPHumanDataset
    out = tmp_path / 'pose.json'
    content = run(tool, pose_model, cihp_root, 'cihp', out)
    dataset = CIHPHumanDataset(
        data_root=cihp_root,
        ann_file='train_id.txt',
        pose_file=str(out),
        data_prefix=dict(img_path='Images', seg_map_path='Category_ids'),
        pipeline=[])
    assert len(dataset) == 6
    for info in dataset:
        ids = np.array(
            Image.open(osp.join(cihp_root, 'Human_ids', info['img_id'] + '.png')))
        assert info['keypoints'].shape == (ids.max(), 17, 2)
        for k, box in enumerate(info['bbox'], start=1):
            x, y, w, h = coco_box(ids == k)
            np.testing.assert_allclose(box, [x, y, x + w, y + h])

    partial = dict(
        content,
        images=content['images'][:2],
        annotations=[a for a in content['annotations'] if a['image_id'] < 2])
    with open(out, 'w') as f:
        json.dump(partial, f)
    calls = []
    predict = tool.inference_topdown
    monkeypatch.setattr(
        tool, 'inference_topdown',
        lambda m, path, boxes: calls.append(path) or predict(m, path, boxes))
    resumed = run(tool, pose_model, cihp_root, 'cihp', out)
    assert len(calls) == 4
    assert sorted(map(json.dumps, resumed['annotations'])) == sorted(
        map(json.dumps, content['annotations']))


def test_atr_box_is_the_whole_image(tool, pose_model, shared_data, tmp_path):
    from mmhtc.datasets import ATRHumanDataset
    lip = osp.join(shared_data, 'lip', 'TrainVal_images')
    image_dir = tmp_path / 'humanparsing' / 'JPEGImages'
    os.makedirs(image_dir)
    names = []
    for split in ('train_images', 'val_images'):
        name = sorted(os.listdir(osp.join(lip, split)))[0]
        shutil.copy(osp.join(lip, split, name), image_dir / name)
        names.append(name)
    with open(tmp_path / 'train_id.txt', 'w') as f:
        f.write('\n'.join(n[:-4] for n in names))
    content = run(tool, pose_model, str(tmp_path), 'atr', tmp_path / 'pose.json')
    for img, ann in zip(content['images'], content['annotations']):
        assert ann['bbox'] == [0, 0, img['width'], img['height']]
    dataset = ATRHumanDataset(
        data_root=str(tmp_path),
        ann_file='train_id.txt',
        pose_file=str(tmp_path / 'pose.json'),
        data_prefix=dict(img_path='humanparsing/JPEGImages'),
        pipeline=[])
    assert [len(d['keypoints']) for d in dataset] == [1, 1]


def test_joint_mappings(tool):
    kpts = np.arange(17 * 2, dtype=np.float32).reshape(1, 17, 2)
    scores = np.linspace(0.1, 0.9, 17, dtype=np.float32)[None]
    out, out_scores, mapped = tool.map_joints(kpts, scores, 'mpii')
    np.testing.assert_allclose(out[0, 0], kpts[0, 16])  # right ankle
    np.testing.assert_allclose(out[0, 6], (kpts[0, 11] + kpts[0, 12]) / 2)
    np.testing.assert_allclose(out_scores[0, 7], scores[0, 5] * scores[0, 6])
    assert mapped.tolist() == [True] * 8 + [False, False] + [True] * 6
    out, _, mapped = tool.map_joints(kpts, scores, 'lsp')
    np.testing.assert_allclose(out[0, 12], (kpts[0, 5] + kpts[0, 6]) / 2)
    assert not mapped[13]


def test_detector_boxes_are_the_confident_persons(tool):
    bboxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 40],
                       [50, 50, 60, 60], [70, 70, 80, 80]], np.float32)
    labels = np.array([0, 0, 0, 2, 0])
    scores = np.array([0.9, 0.8, 0.5, 0.99, 0.2])
    boxes = tool.select_person_boxes(bboxes, labels, scores)
    np.testing.assert_array_equal(boxes, bboxes[[0, 2]])


def test_missing_instance_labels_need_a_detector(tool, pose_model, cihp_root, tmp_path):
    root = tmp_path / 'cihp'
    os.makedirs(root)
    os.symlink(osp.join(cihp_root, 'Images'), root / 'Images')
    with pytest.raises(FileNotFoundError, match='Human_ids.*--det-config'):
        run(tool, pose_model, str(root), 'cihp', tmp_path / 'pose.json')


@pytest.fixture(scope='module')
def parsing_tool():
    return load_tool('generate_parsing_labels')


def run_parsing(parsing_tool, shared_data, out_dir, ann_file=None):
    mpii = osp.join(shared_data, 'mpii')
    parsing_tool.main([
        ann_file or osp.join(mpii, 'test_mpii.json'), mpii, '--config',
        osp.join(REPO_ROOT, 'configs', 'demo',
                 'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py'),
        '--out-dir',
        str(out_dir), '--crop-size', '64', '64'
    ])


def test_mpii_parsing_is_pasted_back_into_each_image(parsing_tool, shared_data,
                                                     tmp_path, monkeypatch):
    """With an oracle model (face everywhere in the crop), the label is face exactly in
    each person's padded box, mmpose's MPII box."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    from mmhtc.structures import HumanResult

    def oracle(model, crop):
        logits = torch.zeros(20, *crop.shape[:2])
        logits[13] = 1
        sample = SegDataSample(seg_logits=PixelData(data=logits.softmax(0)))
        calls.append(crop.shape)
        return HumanResult(data_sample=sample)

    calls = []
    monkeypatch.setattr(parsing_tool, 'inference_human', oracle)
    monkeypatch.setattr(parsing_tool, 'init_model', stub_lip_model)
    run_parsing(parsing_tool, shared_data, tmp_path)
    mpii = json.load(open(osp.join(shared_data, 'mpii', 'test_mpii.json')))
    assert sorted(os.listdir(tmp_path)) == sorted(
        {p['image'].replace('.jpg', '.png')
         for p in mpii})
    for person in mpii:
        label = np.array(Image.open(tmp_path / person['image'].replace('.jpg', '.png')))
        width, height = Image.open(osp.join(shared_data, 'mpii', person['image'])).size
        assert label.shape == (height, width)
        cx = person['center'][0] - 1
        cy = person['center'][1] + 15 * person['scale'] - 1
        half = person['scale'] * 200 * 1.25 / 2
        # nearest neighbour: the 64 crop pixels reach half a pixel past the box
        atol = half / 64 + 1
        ys, xs = np.nonzero(label == 13)
        np.testing.assert_allclose([xs.min(), ys.min()],
                                   np.maximum([cx - half, cy - half], 0),
                                   atol=atol)
        np.testing.assert_allclose([xs.max(), ys.max()],
                                   np.minimum([cx + half, cy + half],
                                              [width - 1, height - 1]),
                                   atol=atol)
        assert set(np.unique(label)) <= {0, 13}
    count = len(calls)
    run_parsing(parsing_tool, shared_data, tmp_path)
    assert len(calls) == count  # resumed: every PNG is there


def stub_lip_model(config, checkpoint, device):
    """Stands for a parsing model: the oracle needs only its config and classes."""
    from types import SimpleNamespace

    from mmhtc.datasets.metainfo import LIP_CLASSES
    return SimpleNamespace(
        cfg=SimpleNamespace(default_scope='mmseg'),
        dataset_meta=dict(classes=LIP_CLASSES))


def test_mpii_parsing_with_a_random_init_model(parsing_tool, shared_data, tmp_path):
    with open(osp.join(shared_data, 'mpii', 'test_mpii.json')) as f:
        person = json.load(f)[1]
    with open(tmp_path / 'one.json', 'w') as f:
        json.dump([person], f)
    run_parsing(parsing_tool, shared_data, tmp_path / 'out', str(tmp_path / 'one.json'))
    for name in os.listdir(tmp_path / 'out'):
        label = np.array(Image.open(tmp_path / 'out' / name))
        size = Image.open(osp.join(shared_data, 'mpii', name.replace('.png',
                                                                     '.jpg'))).size
        assert label.shape == size[::-1] and label.max() < 20


def test_bad_mpii_json_is_named(parsing_tool, tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps([{'image': '1.jpg'}]))
    with pytest.raises(ValueError, match='bad.json: not an mmpose MPII json'):
        parsing_tool.read_persons(str(bad), str(tmp_path))


def test_images_without_instance_labels_take_detector_boxes(tool, pose_model, cihp_root,
                                                            tmp_path):
    """A random-init one-class RetinaNet (ResNet-18) gives the boxes."""
    from mmdet.apis import inference_detector
    root = tmp_path / 'cihp'
    os.makedirs(root)
    os.symlink(osp.join(cihp_root, 'Images'), root / 'Images')
    (root / 'ids.txt').write_text('0000002\n')
    config = tmp_path / 'det.py'
    config.write_text(DET_CONFIG)
    torch.manual_seed(0)
    detector = tool.init_person_detector(str(config), None, 'cpu')
    torch.save(dict(state_dict=detector.state_dict()), tmp_path / 'det.pth')
    content = run(tool, pose_model, str(root), 'cihp', tmp_path / 'pose.json', '--ids',
                  str(root / 'ids.txt'), '--det-config', str(config),
                  '--det-checkpoint', str(tmp_path / 'det.pth'), '--bbox-thr', '0')
    pred = inference_detector(detector, str(root / 'Images' / '0000002.jpg'))
    pred = pred.pred_instances.cpu().numpy()
    expected = tool.select_person_boxes(
        pred.bboxes, pred.labels, pred.scores, score_thr=0)
    assert len(expected) > 0
    np.testing.assert_allclose(
        [a['bbox'] for a in content['annotations']],
        np.concatenate([expected[:, :2], expected[:, 2:] - expected[:, :2]], 1),
        rtol=1e-5)

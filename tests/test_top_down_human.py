"""Person crops and their paste-back on the real PASCAL-Part samples, and the top-down
wrapper around NPPNet."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import scipy.io
import torch
from conftest import REPO_ROOT
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.datasets.transforms import GetBBoxCenterScale, TopdownAffine
from PIL import Image

from mmhtc.datasets import PascalPersonPartHumanDataset
from mmhtc.models.segmentors import TopDownHuman
from mmhtc.models.utils.person_crops import (keypoints_to_image, merge_parsing,
                                             paste_to_image, person_crop)

PAPER_GENOTYPE = osp.join(REPO_ROOT, 'configs', 'nppnet', 'genotypes',
                          'nppnet_lip_paper.yaml')
#: Large enough that no person is shrunk (PASCAL images are at most 500 pixels).
EXACT_SIZE = (768, 768)


def person_instances(mat_path: str):
    """Boxes (N, 4) xyxy and masks (N, H, W) of the persons of a PASCAL-Part file, read
    with scipy."""
    objects = scipy.io.loadmat(mat_path)['anno'][0, 0]['objects'][0]
    masks = [o['mask'] > 0 for o in objects if str(o['class'][0]) == 'person']
    boxes = []
    for mask in masks:
        ys, xs = np.nonzero(mask)
        boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    return np.array(boxes, np.float32), np.stack(masks)


@pytest.fixture(scope='module')
def pascal_root(shared_data, tmp_path_factory) -> str:
    """The real samples in the dataset's layout, with a COCO-format pose file:
    the instance masks' boxes and 14 joints on pixels of each person."""
    src = osp.join(shared_data, 'pascal_person_part')
    root = str(tmp_path_factory.mktemp('pascal_person_part'))
    os.symlink(osp.join(src, 'JPEGImages'), osp.join(root, 'JPEGImages'))
    os.symlink(
        osp.join(src, 'pascal_person_part_gt_DERIVED'),
        osp.join(root, 'pascal_person_part_gt'))
    ids = sorted(n[:-4] for n in os.listdir(osp.join(src, 'Annotations_Part')))
    images, annotations = [], []
    rng = np.random.default_rng(0)
    for i, img_id in enumerate(ids):
        images.append(dict(id=i, file_name=img_id + '.jpg'))
        boxes, masks = person_instances(
            osp.join(src, 'Annotations_Part', img_id + '.mat'))
        for box, mask in zip(boxes, masks):
            ys, xs = np.nonzero(mask)
            picks = rng.choice(len(xs), 14)
            kpts = np.stack([
                xs[picks] + rng.random(14), ys[picks] + rng.random(14),
                np.full(14, 2)
            ],
                            axis=1)
            annotations.append(
                dict(
                    id=len(annotations),
                    image_id=i,
                    keypoints=kpts.ravel().tolist(),
                    bbox=[
                        float(box[0]),
                        float(box[1]),
                        float(box[2] - box[0]),
                        float(box[3] - box[1])
                    ]))
    with open(osp.join(root, 'ids.txt'), 'w') as f:
        f.write('\n'.join(ids) + '\n')
    with open(osp.join(root, 'poses.json'), 'w') as f:
        json.dump(dict(images=images, annotations=annotations), f)
    return root


def dataset(root: str, pipeline, data_mode: str = 'bottomup'):
    init_default_scope('mmseg')
    return PascalPersonPartHumanDataset(
        data_root=root,
        ann_file='ids.txt',
        pose_file='poses.json',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='pascal_person_part_gt'),
        data_mode=data_mode,
        test_mode=True,
        pipeline=pipeline)


def training_crop_pipeline(input_size):
    """The training crop (config's transforms) without its randomness."""
    return [
        dict(type='LoadImageFromFile'),
        dict(type='LoadHumanAnnotations'),
        dict(type='mmpose.GetBBoxCenterScale', padding=1.25),
        dict(
            type='JointRandomAffine',
            input_size=input_size,
            scale_range=(1, 1),
            rotate_range=0),
    ]


@pytest.fixture(scope='module')
def crops_per_image(pascal_root):
    """Image id -> (GT parsing, [training-pipeline results of each person])."""
    persons = dataset(pascal_root, training_crop_pipeline(EXACT_SIZE), 'topdown')
    grouped = {}
    for i in range(len(persons)):
        results = persons[i]
        label = np.asarray(Image.open(results['seg_map_path']))
        grouped.setdefault(results['img_id'], (label, []))[1].append(results)
    return grouped


def test_every_person_of_the_samples_is_a_training_crop(crops_per_image):
    assert len(crops_per_image) == 8
    # 19 person objects in the .mat files, 6 in 2010_005243
    assert sum(len(c) for _, c in crops_per_image.values()) == 19
    assert max(len(c) for _, c in crops_per_image.values()) > 1


def test_training_crop_is_the_test_crop(crops_per_image):
    """The model's test-time crop (mmpose's top-down crop) cuts the same pixels as the
    training pipeline at scale 1 without rotation."""
    _, crops = crops_per_image['2010_005243']
    for results in crops:
        image = np.asarray(Image.open(results['img_path']).convert('RGB'))
        image = np.ascontiguousarray(image[..., ::-1])
        crop, warp_mat = person_crop(image, results['bbox'][0], 1.25, EXACT_SIZE)
        np.testing.assert_allclose(warp_mat, results['warp_mat'], atol=1e-6)
        np.testing.assert_array_equal(crop, results['img'])


def paste_labels(label_crops, warps, shape, nearest):
    """Crops of a label map (255 outside the image) pasted back and merged."""
    probs, inside = [], []
    for crop, warp_mat in zip(label_crops, warps):
        onehot = (crop[None] == np.arange(7)[:, None, None]).astype(np.float32)
        probs.append(paste_to_image(onehot, warp_mat, shape, nearest))
        inside.append(
            paste_to_image((crop != 255)[None].astype(np.float32), warp_mat, shape,
                           nearest)[0])
    return merge_parsing(np.stack(probs), np.stack(inside)).argmax(0)


def test_crop_and_paste_back_are_inverses_on_the_ground_truth(crops_per_image):
    """Nearest-neighbour crops of the GT parsing, pasted back through the inverse warp
    and merged over the persons, give the GT again: every labelled pixel lies in its
    person's crop, and overlapping crops agree."""
    for img_id, (label, crops) in crops_per_image.items():
        pasted = paste_labels([r['gt_seg_map'] for r in crops],
                              [r['warp_mat'] for r in crops],
                              label.shape,
                              nearest=True)
        np.testing.assert_array_equal(pasted, label, err_msg=img_id)


def test_bilinear_paste_back_changes_only_class_borders(crops_per_image):
    """The bilinear paste-back of predictions, on one-hot GT crops: pixels whose 3 x 3
    neighbourhood has one class come back exactly."""
    for img_id, (label, crops) in crops_per_image.items():
        pasted = paste_labels([r['gt_seg_map'] for r in crops],
                              [r['warp_mat'] for r in crops],
                              label.shape,
                              nearest=False)
        padded = np.pad(label, 1, mode='edge')
        windows = np.stack([
            padded[dy:dy + label.shape[0], dx:dx + label.shape[1]] for dy in range(3)
            for dx in range(3)
        ])
        uniform = (windows == label).all(0)
        np.testing.assert_array_equal(pasted[uniform], label[uniform], err_msg=img_id)
        assert (pasted == label).mean() > 0.98


def test_keypoints_round_trip_through_the_crop(crops_per_image):
    for img_id, (_, crops) in crops_per_image.items():
        for results in crops:
            back = keypoints_to_image(
                results['transformed_keypoints'].astype(np.float64),
                results['warp_mat'])
            assert np.abs(back - results['keypoints']).max() < 0.5, img_id


def test_merge_parsing_by_hand():
    """Two persons over three pixels: only the first covers pixel 0, both
    pixel 1 (the second's arm beats the first's background), none pixel 2."""
    probs = np.zeros((2, 3, 1, 3), np.float32)
    probs[0, :, 0, 0] = (0.3, 0.6, 0.1)
    probs[0, :, 0, 1] = (0.9, 0.05, 0.05)
    probs[1, :, 0, 1] = (0.2, 0.1, 0.7)
    inside = np.array([[[1, 1, 0]], [[0, 1, 0]]], np.float32)
    scores = merge_parsing(probs, inside)
    np.testing.assert_allclose(scores[:, 0, 1], (0.2, 0.1, 0.7), rtol=1e-6)
    assert scores.argmax(0).tolist() == [[1, 2, 0]]


def tiny_nppnet(input_size):
    init_default_scope('mmseg')
    return TopDownHuman(
        model=dict(
            type='NPPNet',
            data_preprocessor=dict(
                type='SegDataPreProcessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True,
                size=input_size[::-1]),
            network=dict(
                channels=8,
                num_cells=4,
                num_classes=7,
                num_keypoints=14,
                genotype=PAPER_GENOTYPE,
                norm_cfg=dict(type='BN'))),
        input_size=input_size).eval()


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return tiny_nppnet((64, 64))


@pytest.fixture(scope='module')
def whole_image(pascal_root):
    """A whole-image test sample (all six persons) of 2010_005243."""
    data = dataset(pascal_root, [
        dict(type='LoadImageFromFile'),
        dict(type='LoadHumanAnnotations'),
        dict(type='PackHumanSegInputs'),
    ])
    index = next(
        i for i in range(len(data)) if data.get_data_info(i)['img_id'] == '2010_005243')
    return data[index]


def test_prediction_is_the_inner_models_on_each_crop(model, whole_image):
    """One box: the pasted probabilities are the inner model's on mmpose's
    top-down crop sampled bilinearly at the box's pixels, the keypoints mmpose's
    mapping of the crop's keypoints back."""
    sample = whole_image['data_samples'].clone()
    box = sample.gt_instances.bboxes[:1]
    sample.set_metainfo(dict(person_bboxes=np.asarray(box)))
    with torch.no_grad():
        out = model.test_step(
            pseudo_collate([dict(inputs=whole_image['inputs'],
                                 data_samples=sample)]))[0]
    height, width = whole_image['inputs'].shape[1:]
    assert out.pred_sem_seg.shape == (height, width)
    assert out.pred_instances.keypoints.shape == (1, 14, 2)

    image = whole_image['inputs'].permute(1, 2, 0).numpy()
    crop = Compose([GetBBoxCenterScale(padding=1.25),
                    TopdownAffine((64, 64))])(
                        dict(img=image, bbox=np.asarray(box)))
    inner = model.model
    crop_sample = model._crop_samples(sample, 1)
    data = inner.data_preprocessor(
        dict(
            inputs=[torch.from_numpy(crop['img'].transpose(2, 0, 1).copy())],
            data_samples=crop_sample), False)
    with torch.no_grad():
        ref = inner.predict(data['inputs'], data['data_samples'])[0]
    probs = ref.seg_logits.data.numpy()
    center, scale = crop['input_center'], crop['input_scale']
    x0, y0, x1, y1 = np.asarray(box[0]).astype(int)
    ys, xs = np.mgrid[y0 + 2:y1 - 2:7, x0 + 2:x1 - 2:7]
    u = (xs - center[0]) / scale[0] * 64 + 32
    v = (ys - center[1]) / scale[1] * 64 + 32
    iu, iv = np.floor(u).astype(int), np.floor(v).astype(int)
    fu, fv = u - iu, v - iv
    expected = (
        probs[:, iv, iu] * (1 - fu) * (1 - fv) + probs[:, iv, iu + 1] * fu * (1 - fv) +
        probs[:, iv + 1, iu] * (1 - fu) * fv + probs[:, iv + 1, iu + 1] * fu * fv)
    np.testing.assert_allclose(
        out.seg_logits.data.numpy()[:, ys, xs], expected, atol=2e-3)
    kpts = ref.pred_instances.keypoints[0]
    np.testing.assert_allclose(
        out.pred_instances.keypoints[0],
        kpts / 64 * scale + center - scale / 2,
        atol=1e-3)


def test_every_gt_person_is_predicted_and_scored(model, whole_image):
    """Oracle boxes: one predicted pose per GT person, scored by the metric."""
    from mmhtc.evaluation import PascalPersonPartAPMetric
    with torch.no_grad():
        out = model.test_step(pseudo_collate([whole_image]))[0]
    num = len(whole_image['data_samples'].gt_instances.bboxes)
    assert num > 1
    assert out.pred_instances.keypoints.shape == (num, 14, 2)
    np.testing.assert_array_equal(out.pred_instances.bboxes,
                                  whole_image['data_samples'].gt_instances.bboxes)
    metric = PascalPersonPartAPMetric(protocol='nppnet')
    metric.dataset_meta = {}
    metric.process([], [out.to_dict()])
    assert np.isfinite(metric.compute_metrics(metric.results)['mAP'])


def test_training_on_person_crops(model, pascal_root):
    codec = dict(
        type='MultiPersonHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)
    persons = dataset(
        pascal_root,
        training_crop_pipeline((64, 64)) + [
            dict(type='GenerateHumanEdge', edge_width=3),
            dict(type='mmpose.GenerateTarget', encoder=codec),
            dict(type='PackHumanSegInputs'),
        ], 'topdown')
    batch = model.data_preprocessor(pseudo_collate([persons[0], persons[1]]), True)
    model.train()
    try:
        losses = model(**batch, mode='loss')
    finally:
        model.eval()
    loss = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(loss)


def test_an_htcorrm_segmentor_inside(whole_image):
    """``HumanEncoderDecoder`` (logits in ``seg_logits``) works inside too: one person's
    pasted scores inside its crop are softmax probabilities."""
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'demo',
                 'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py'))
    cfg.model.data_preprocessor.size = (64, 64)
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = TopDownHuman(model=cfg.model.to_dict(), input_size=(64, 64)).eval()
    sample = whole_image['data_samples'].clone()
    box = np.asarray(sample.gt_instances.bboxes[:1])
    sample.set_metainfo(dict(person_bboxes=box))
    with torch.no_grad():
        out = model.test_step(
            pseudo_collate([dict(inputs=whole_image['inputs'],
                                 data_samples=sample)]))[0]
    x0, y0, x1, y1 = box[0].astype(int)
    scores = out.seg_logits.data[:, y0:y1, x0:x1]
    assert scores.shape[0] == 20
    torch.testing.assert_close(
        scores.sum(0), torch.ones_like(scores[0]), atol=1e-4, rtol=0)
    assert out.pred_instances.keypoints.shape == (1, 16, 2)
    assert out.pred_edge_map.shape == out.pred_sem_seg.shape

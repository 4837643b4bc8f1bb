"""Inference API, demo script and visualizer on real LIP images with freshly initialised
models."""
import importlib.util
import os
import os.path as osp
import sys

import mmcv
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpose.apis import inference_topdown
from mmpose.codecs import MSRAHeatmap
from mmpose.structures.utils import revert_heatmap

from mmhtc.apis import HumanResult, inference_folder, inference_human, init_model

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO, 'configs', 'demo',
                       'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py')
POSE_CONFIG = osp.join(REPO, 'configs', 'htcorrm',
                       'htcorrm_hrnetv2-w32_2xb16-220e_lip-256x256.py')
IMAGES = ('86_185913.jpg', '114317_456748.jpg')


@pytest.fixture(scope='module')
def images(shared_data):
    return [
        osp.join(shared_data, 'lip', 'TrainVal_images', 'val_images', name)
        for name in IMAGES
    ]


@pytest.fixture(scope='module')
def seg_model():
    torch.manual_seed(0)
    return init_model(DEMO_CONFIG)


def _manual_outputs(model, path, scale=128, divisor=32):
    """A seg-world model's main logits and core outputs (relation map included)
    computed by hand: the image resized (long side ``scale``, ratio kept),
    normalised, padded at the bottom and right to a multiple of ``divisor`` (the
    config's ``size_divisor``), through backbone and head."""
    img = mmcv.imread(path)
    resized = mmcv.imrescale(img, (scale, scale))
    preprocessor = model.data_preprocessor
    inputs = torch.from_numpy(resized.transpose(2, 0, 1).copy()).float()
    inputs = (inputs.flip(0) - preprocessor.mean) / preprocessor.std
    h, w = inputs.shape[1:]
    batch = F.pad(inputs, (0, -w % divisor, 0, -h % divisor))[None]
    with torch.no_grad():
        logits, outputs = model.decode_head.forward_outputs(
            model.extract_feat(batch), return_relation=True)
    return img.shape[:2], resized.shape[:2], batch.shape[2:], logits, outputs


def _to_image(maps, padded, resized, image):
    """(1, C, h, w) maps over the padded input -> (C, *image) by hand."""
    maps = F.interpolate(maps, tuple(padded), mode='bilinear')
    maps = maps[..., :resized[0], :resized[1]]
    return F.interpolate(maps, image, mode='bilinear')[0]


def _assert_same_parsing(actual, expected):
    """Batched and single convolutions round differently (1e-6), which flips the arg-max
    where a freshly initialised model's logits nearly tie: a few pixels in 10^4 may
    differ, no more."""
    assert actual.shape == expected.shape
    assert (actual != expected).mean() < 1e-3


def test_seg_world_outputs_in_image_pixels(seg_model, images):
    result = inference_human(seg_model, images[0], relation_query=(60, 200))
    (height,
     width), (in_h,
              in_w), padded, logits, outputs = _manual_outputs(seg_model, images[0])
    assert isinstance(result, HumanResult)
    assert result.parsing.shape == (height, width)
    assert result.edge.shape == (height, width)
    assert result.edge.min() >= 0 and result.edge.max() <= 1
    assert result.keypoints.shape == (1, 16, 2)
    assert result.keypoint_scores.shape == (1, 16)
    expected = _to_image(logits, padded, (in_h, in_w),
                         (height, width)).argmax(0).numpy()
    assert (result.parsing == expected).mean() > 0.99
    heatmaps = outputs['predictions']['pose'][0]
    h, w = heatmaps.shape[1:]
    # the config's decoder (mmpose's MSRAHeatmap) on the input's heatmap grid
    codec = MSRAHeatmap(input_size=(padded[1], padded[0]), heatmap_size=(w, h), sigma=2)
    expected_xy, scores = codec.decode(heatmaps.numpy())
    expected_xy = expected_xy[0] * (width / in_w, height / in_h)
    valid = result.keypoint_scores[0] > 0
    assert valid.sum() >= 5
    np.testing.assert_allclose(result.keypoint_scores, scores, atol=1e-6)
    np.testing.assert_allclose(
        result.keypoints[0][valid], expected_xy[valid], atol=1e-3)
    # the query (60, 200) lies in the feature pixel of its resized position, on
    # the feature grid over the padded input
    col = int(60.5 * in_w / width * w / padded[1])
    row = int(200.5 * in_h / height * h / padded[0])
    keys = outputs['relation'][0, row * w + col].reshape(1, 1, h // 2, w // 2)
    expected_relation = _to_image(keys, padded, (in_h, in_w),
                                  (height, width))[0].numpy()
    np.testing.assert_allclose(result.relation, expected_relation, atol=1e-6)


def test_folder_inference_in_batches_matches_single(seg_model, images, tmp_path):
    for path in images:
        os.symlink(path, tmp_path / osp.basename(path))
    (tmp_path / 'notes.txt').write_text('not an image')
    singles = [inference_human(seg_model, path) for path in images]
    folder = dict(inference_folder(seg_model, str(tmp_path), batch_size=2))
    assert sorted(folder) == sorted(str(tmp_path / name) for name in IMAGES)
    for path, single in zip(images, singles):
        batched = folder[str(tmp_path / osp.basename(path))]
        _assert_same_parsing(batched.parsing, single.parsing)
        np.testing.assert_allclose(batched.edge, single.edge, atol=1e-5)
        np.testing.assert_allclose(batched.keypoints, single.keypoints)


def test_path_and_array_in_one_batch_match_single(seg_model, images):
    single = inference_human(seg_model, images[1])
    # same size after the pipeline: one test step of two images
    results = inference_human(seg_model, [images[1], mmcv.imread(images[1])])
    for result in results:
        _assert_same_parsing(result.parsing, single.parsing)
        np.testing.assert_allclose(result.edge, single.edge, atol=1e-5)


def test_topdown_outputs_stay_in_the_person_box(images):
    torch.manual_seed(0)
    model = init_model(POSE_CONFIG)
    assert model.dataset_meta['classes'][0] == 'Background'
    assert len(model.dataset_meta['skeleton_links']) > 0
    height, width = mmcv.imread(images[0]).shape[:2]
    box = np.array([[20, 150, 100, 250]], dtype=np.float32)
    result = inference_human(model, images[0], bboxes=box, relation_query=(60, 200))
    assert result.parsing.shape == result.edge.shape == (height, width)
    assert result.relation.shape == (height, width)
    assert result.keypoints.shape == (1, 16, 2)
    # mmpose pads the box by 1.25 and makes it square (256 x 256 input)
    side = 1.25 * 100
    cx, cy = 60, 200
    x0, x1 = cx - side / 2 - 2, cx + side / 2 + 2
    y0, y1 = cy - side / 2 - 2, cy + side / 2 + 2
    ys, xs = np.mgrid[:height, :width]
    outside = (xs < x0) | (xs > x1) | (ys < y0) | (ys > y1)
    assert outside.any() and (~outside).any()
    assert (result.parsing[outside] == 0).all()
    assert (result.edge[outside] == 0).all()
    assert (result.relation[outside] == 0).all()
    # one person: inside its box the parsing is the arg-max of the person's
    # class probabilities warped back by mmpose's revert_heatmap
    with torch.no_grad():
        (sample, ) = inference_topdown(model, images[0], box)
    probs = revert_heatmap(sample.pred_fields.parsing.numpy(),
                           sample.metainfo['input_center'],
                           sample.metainfo['input_scale'], (height, width))
    inside = ~outside & (probs.sum(0) > 0.999)  # not the blended border
    assert inside.mean() > 0.1
    assert (result.parsing[inside] == probs.argmax(0)[inside]).mean() > 0.99
    kx, ky = result.keypoints[0].T
    assert ((kx >= x0) & (kx <= x1) & (ky >= y0) & (ky <= y1)).all()


def test_bad_inputs_are_named(seg_model, tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        inference_human(seg_model, str(tmp_path / 'missing.jpg'))
    with pytest.raises(ValueError, match='top-down'):
        inference_human(
            seg_model, np.zeros((8, 8, 3), np.uint8), bboxes=np.zeros((1, 4)))
    config = tmp_path / 'no_scope.py'
    config.write_text("default_scope = 'mmdet'\nmodel = dict(type='X')\n")
    with pytest.raises(ValueError, match='no_scope.py'):
        init_model(str(config))


def _load_demo():
    path = osp.join(REPO, 'tools', 'demo', 'image_demo.py')
    spec = importlib.util.spec_from_file_location('image_demo', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_writes_pngs_of_the_image_size(seg_model, images, tmp_path, monkeypatch):
    checkpoint = tmp_path / 'fresh.pth'
    torch.save(dict(state_dict=seg_model.state_dict(), meta={}), checkpoint)
    out = tmp_path / 'out.png'
    monkeypatch.setattr(sys, 'argv', [
        'image_demo.py', images[0], DEMO_CONFIG,
        str(checkpoint), '--out-file',
        str(out), '--show-relation', '60,200'
    ])
    _load_demo().main()
    image = mmcv.imread(images[0])
    for path in (out, tmp_path / 'out_relation.png'):
        with open(path, 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
        drawn = mmcv.imread(str(path))
        assert drawn.shape == image.shape
        assert not np.array_equal(drawn, image)


def test_visualizer_colours_by_hand(seg_model):
    from mmengine.structures import InstanceData, PixelData
    from mmpose.registry import VISUALIZERS as POSE_VISUALIZERS
    from mmpose.structures import PoseDataSample
    from mmseg.registry import VISUALIZERS as SEG_VISUALIZERS

    import mmhtc.visualization  # noqa: F401
    visualizer = SEG_VISUALIZERS.build(
        dict(type='HumanVisualizer', name='hand', alpha=0.5))
    assert POSE_VISUALIZERS.get('HumanVisualizer') is type(visualizer)
    visualizer.dataset_meta = dict(
        palette=[[0, 0, 0], [200, 100, 0]],
        skeleton_links=[(0, 1)],
        skeleton_link_colors=[[0, 0, 255]],
        keypoint_colors=[[0, 255, 0], [0, 255, 0]])
    image = np.full((20, 20, 3), 100, np.uint8)
    parsing = np.zeros((20, 20), np.int64)
    parsing[0, 0] = 1
    edge = np.zeros((20, 20), np.float32)
    edge[19, 19] = 0.9
    drawn = visualizer.draw_human(image, HumanResult(parsing=parsing, edge=edge))
    assert drawn[0, 0].tolist() == [150, 100, 50]
    assert drawn[19, 19].tolist() == [255, 255, 255]
    assert drawn[10, 10].tolist() == [100, 100, 100]
    sample = PoseDataSample()
    sample.pred_instances = InstanceData(
        keypoints=np.array([[[5.0, 10.0], [15.0, 10.0]]]),
        keypoint_scores=np.array([[0.9, 0.9]]))
    sample.pred_sem_seg = PixelData(data=torch.from_numpy(parsing[None]))
    # the call of mmpose's PoseVisualizationHook
    visualizer.add_datasample(
        'val_img',
        image,
        data_sample=sample,
        draw_gt=False,
        draw_bbox=True,
        draw_heatmap=True,
        kpt_thr=0.3,
        step=0)
    drawn = visualizer.get_image()
    assert drawn.shape == image.shape
    assert drawn[10, 10].tolist() == [0, 0, 255]
    assert drawn[10, 5].tolist() == [0, 255, 0]


def test_edge_main_model_gives_edge_and_parsing(images):
    torch.manual_seed(0)
    config = osp.join(REPO, 'configs', 'htcorrm',
                      'htcorrm-edge_bdcn_1xb4-40k_lip-384x384.py')
    model = init_model(
        config, cfg_options={'test_dataloader.dataset.pipeline.1.scale': (96, 96)})
    result = inference_human(model, images[0])
    (height, width), (in_h, in_w), padded, logits, outputs = _manual_outputs(
        model, images[0], scale=96, divisor=8)
    # the edge is the main output's sigmoid, the parsing the parsing encoder's
    expected = _to_image(logits, padded, (in_h, in_w),
                         (height, width))[0].sigmoid().numpy()
    np.testing.assert_allclose(result.edge, expected, atol=1e-5)
    assert result.parsing.shape == (height, width)
    assert result.parsing.max() < 20
    assert result.keypoints.shape == (1, 16, 2)


PASCAL_CONFIG = osp.join(REPO, 'configs', 'nppnet',
                         'nppnet_c128-l16_4xb4-120e_pascal-person-part-384x384.py')
#: The PASCAL config's TopDownHuman around a small NPPNet (C=8, L=4, 64 x 64
#: crops, single-scale test).
PASCAL_SMALL = {
    'model.input_size': (64, 64),
    'model.model.data_preprocessor.size': (64, 64),
    'model.model.network.channels': 8,
    'model.model.network.num_cells': 4,
    'model.model.test_cfg': dict(scales=(1.0, ), flip=False),
}


@pytest.fixture(scope='module')
def pascal_model():
    torch.manual_seed(0)
    return init_model(PASCAL_CONFIG, cfg_options=PASCAL_SMALL)


def _pascal_persons(shared_data, img_id):
    """The image path and its persons' boxes (N, 4) from PASCAL-Part's masks."""
    import scipy.io
    root = osp.join(shared_data, 'pascal_person_part')
    objects = scipy.io.loadmat(osp.join(root, 'Annotations_Part',
                                        img_id + '.mat'))['anno'][0, 0]['objects'][0]
    boxes = []
    for obj in objects:
        if str(obj['class'][0]) == 'person':
            ys, xs = np.nonzero(obj['mask'])
            boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    return osp.join(root, 'JPEGImages', img_id + '.jpg'), np.array(boxes, np.float32)


def _crop_regions(boxes, height, width):
    """Pixels inside any person's crop: its box padded 1.25 times and squared (the 64 x
    64 input), by hand, and the one crop pixel around it that the bilinear paste-back
    blends in."""
    ys, xs = np.mgrid[:height, :width]
    covered = np.zeros((height, width), bool)
    for x0, y0, x1, y1 in boxes:
        half = 1.25 * max(x1 - x0, y1 - y0) / 2
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        margin = 2 * half / 64 + 1
        covered |= (abs(xs + 0.5 - cx) <= half + margin) & (
            abs(ys + 0.5 - cy) <= half + margin)
    return covered


def test_multi_person_photo_gives_every_persons_pose(pascal_model, shared_data):
    path, boxes = _pascal_persons(shared_data, '2008_003228')
    height, width = mmcv.imread(path).shape[:2]
    result = inference_human(pascal_model, path, bboxes=boxes)
    assert len(boxes) == 3
    assert result.parsing.shape == result.edge.shape == (height, width)
    assert result.keypoints.shape == (3, 14, 2)
    assert result.keypoint_scores.shape == (3, 14)
    covered = _crop_regions(boxes, height, width)
    assert (~covered).any()
    assert (result.parsing[~covered] == 0).all()
    assert (result.edge[~covered] == 0).all()
    # each person's keypoints (those with a heatmap peak > 0; mmpose marks
    # the others -1) lie in its crop
    for box, kpts, scores in zip(boxes, result.keypoints, result.keypoint_scores):
        kpts = kpts[scores > 0]
        assert len(kpts)
        assert _crop_regions(box[None], height,
                             width)[np.clip(kpts[:, 1].astype(int), 0, height - 1),
                                    np.clip(kpts[:,
                                                 0].astype(int), 0, width - 1)].all()
    # a batch with boxes per image gives each image's single result
    other, other_boxes = _pascal_persons(shared_data, '2009_001103')
    batch = inference_human(pascal_model, [other, path], bboxes=[other_boxes, boxes])
    assert batch[1].keypoints.shape == (3, 14, 2)
    np.testing.assert_allclose(batch[1].keypoints, result.keypoints, atol=1e-3)
    assert batch[0].keypoints.shape == (len(other_boxes), 14, 2)


def test_multi_person_photo_without_boxes_or_detector_is_one_person(
        pascal_model, shared_data):
    path, _ = _pascal_persons(shared_data, '2008_003228')
    img = mmcv.imread(path)
    result = inference_human(pascal_model, img)
    assert result.keypoints.shape == (1, 14, 2)
    whole = np.array([[0, 0, img.shape[1], img.shape[0]]], np.float32)
    np.testing.assert_allclose(
        inference_human(pascal_model, img, bboxes=whole).keypoints, result.keypoints)


def test_detector_boxes_feed_the_crops(pascal_model, shared_data, tmp_path):
    """With ``detector``, the persons are those of the mmdet detector the config names
    (RTMDet-tiny with saved random weights here), score-filtered."""
    from mmdet.apis import inference_detector, init_detector
    from mmengine.registry import DefaultScope
    det_config = tmp_path / 'detector.py'
    det_config.write_text("_base_ = '" + osp.join(
        osp.dirname(importlib.util.find_spec('mmdet').origin), '.mim', 'configs',
        'rtmdet', 'rtmdet_tiny_8xb32-300e_coco.py') + "'\n"
                          'model = dict(test_cfg=dict(score_thr=0.0, max_per_img=4))\n')
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        detector = init_detector(str(det_config), device='cpu')
        checkpoint = str(tmp_path / 'detector.pth')
        torch.save(dict(state_dict=detector.state_dict(), meta=dict()), checkpoint)
        path, _ = _pascal_persons(shared_data, '2010_005243')
        found = inference_detector(detector, path).pred_instances
    label = int(found.labels[0])
    model = init_model(
        PASCAL_CONFIG,
        cfg_options={
            **PASCAL_SMALL, 'model.detector':
            dict(
                config=str(det_config),
                checkpoint=checkpoint,
                score_thr=float(found.scores[1]),
                person_label=label)
        })
    model.load_state_dict(pascal_model.state_dict())
    assert 'detector' not in ''.join(model.state_dict())
    result = inference_human(model, path)
    keep = (found.labels == label) & (found.scores >= found.scores[1])
    expected = found.bboxes[keep].numpy()
    assert len(expected) >= 1
    boxes = result.data_sample.pred_instances.bboxes
    np.testing.assert_allclose(boxes, expected, atol=1e-3)
    assert result.keypoints.shape == (len(expected), 14, 2)

"""The CorrPM release's test protocol: ``WarpToCanvas`` and its inverse."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import TRANSFORMS

from mmhtc.datasets.transforms import PackHumanSegInputs
from mmhtc.datasets.transforms.geometric import WarpToCanvas
from mmhtc.models.utils.predictions import decode_keypoints, to_original, warp_back

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CORRPM = 'configs/htcorrm/htcorrm_r101-d16-corrpm_2xb4-180e_lip-384x384.py'


def release_matrix(h: int, w: int, size: int = 384) -> np.ndarray:
    """Image -> canvas map computed as the release does: box [0, 0, w-1, h-1] made
    square about its centre and scaled onto the canvas centre."""
    scale = size / max(w - 1, h - 1)
    centre = np.array([(w - 1) / 2, (h - 1) / 2])
    return np.array([[scale, 0, size / 2 - scale * centre[0]],
                     [0, scale, size / 2 - scale * centre[1]]])


@pytest.fixture(scope='module')
def lip_labels(shared_data):
    paths = sorted(
        glob.glob(
            osp.join(shared_data, 'lip', 'TrainVal_parsing_annotations', '*', '*.png')))
    assert paths
    return [cv2.imread(path, cv2.IMREAD_GRAYSCALE) for path in paths]


def test_matrix_and_image_are_the_release_s(lip_labels):
    for label in lip_labels:
        h, w = label.shape
        img = np.random.default_rng(0).integers(1, 255, (h, w, 3), np.uint8)
        out = WarpToCanvas(size=(384, 384)).transform(dict(img=img))
        np.testing.assert_allclose(
            out['canvas_matrix'], release_matrix(h, w), atol=1e-4)
        assert out['img'].shape == (384, 384, 3) and out['img_shape'] == (384, 384)
        # Centred: the black borders are equal on both sides (within one pixel).
        cols = np.flatnonzero(out['img'].any(axis=(0, 2)))
        assert abs(cols[0] - (383 - cols[-1])) <= 1
        assert out['img'].any(axis=(1, 2)).all()


def test_canvas_warp_and_inverse_are_exact_inverses(lip_labels):
    for label in lip_labels:
        h, w = label.shape
        matrix = WarpToCanvas(size=(384, 384)).transform(
            dict(img=np.zeros((h, w, 3), np.uint8)))['canvas_matrix']
        canvas = cv2.warpAffine(
            label,
            matrix, (384, 384),
            flags=cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255)
        back = warp_back(torch.from_numpy(canvas)[None, None].float(), matrix, (h, w))
        np.testing.assert_array_equal(back[0, 0].numpy(), label)


def test_inverse_is_the_release_s_nearest_warp(lip_labels):
    """warp_back of a canvas map equals the release's cv2.warpAffine of the prediction
    through the inverse map, zero outside the canvas."""
    rng = np.random.default_rng(1)
    for label in lip_labels:
        h, w = label.shape
        pred = rng.integers(1, 20, (384, 384)).astype(np.uint8)
        inverse = cv2.invertAffineTransform(release_matrix(h, w))
        expected = cv2.warpAffine(
            pred,
            inverse, (w, h),
            flags=cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0)
        back = warp_back(
            torch.from_numpy(pred)[None, None].float(), release_matrix(h, w), (h, w))
        np.testing.assert_array_equal(back[0, 0].numpy(), expected)


def test_prediction_and_keypoints_go_back_through_the_canvas():
    h, w = 377, 130
    matrix = release_matrix(h, w)
    meta = dict(img_shape=(384, 384), ori_shape=(h, w), canvas_matrix=matrix)
    logits = torch.randn(1, 20, 48, 48)
    maps = to_original(logits, meta, (384, 384), align_corners=True)
    assert maps.shape == (1, 20, h, w)
    # A heatmap peak at canvas pixel (x, y) lands on the inverse-mapped pixel.
    heatmaps = np.zeros((1, 96, 96), np.float32)
    heatmaps[0, 40, 50] = 1
    kpts = decode_keypoints(
        torch.from_numpy(heatmaps), meta, (384, 384), dict(type='MSRAHeatmap',
                                                           sigma=2)).keypoints
    x, y = 50 * 4, 40 * 4
    inverse = cv2.invertAffineTransform(matrix)
    np.testing.assert_allclose(kpts[0, 0], inverse @ [x, y, 1], atol=1e-3)


def test_corrpm_config_tests_on_the_canvas():
    cfg = Config.fromfile(osp.join(REPO_ROOT, CORRPM))
    pipeline = cfg.test_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline][:2] == ['LoadImageFromFile', 'WarpToCanvas']
    assert cfg.model.decode_head.align_corners
    transform = TRANSFORMS.build(pipeline[1])
    assert isinstance(transform, WarpToCanvas)
    packed = PackHumanSegInputs().transform(
        dict(
            transform.transform(
                dict(img=np.zeros((377, 130, 3), np.uint8), ori_shape=(377, 130)))))
    assert 'canvas_matrix' in packed['data_samples'].metainfo

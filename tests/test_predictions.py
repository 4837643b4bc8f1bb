"""Keypoints decoded by the configured codec, on heatmaps with sub-pixel peaks."""
import numpy as np
import torch
from mmpose.codecs import MSRAHeatmap, UDPHeatmap

from mmhtc.models.utils.predictions import decode_keypoints

STRIDE = 4


def gaussian_heatmaps(peaks: np.ndarray, size=(24, 32), sigma=2.0) -> np.ndarray:
    """(K, h, w) Gaussians centred on the (x, y) heatmap coordinates ``peaks``."""
    ys, xs = np.mgrid[:size[0], :size[1]]
    return np.stack([
        np.exp(-((xs - x)**2 + (ys - y)**2) / (2 * sigma**2)) for x, y in peaks
    ]).astype(np.float32)


def test_msra_decoding_is_the_codec_and_beats_the_arg_max():
    rng = np.random.default_rng(0)
    peaks = rng.uniform(4, 20, (16, 2))  # (x, y) in heatmap pixels, sub-pixel
    heatmaps = gaussian_heatmaps(peaks)
    meta = dict(scale_factor=(0.5, 0.25))  # the test resize: image = input / s
    input_size = (24 * STRIDE, 32 * STRIDE)
    result = decode_keypoints(
        torch.from_numpy(heatmaps), meta, input_size, dict(type='MSRAHeatmap', sigma=2))
    codec = MSRAHeatmap(input_size=input_size[::-1], heatmap_size=(32, 24), sigma=2)
    expected, scores = codec.decode(heatmaps)
    np.testing.assert_allclose(result.keypoints, expected / (0.5, 0.25))
    np.testing.assert_allclose(result.keypoint_scores, scores)
    truth = peaks * STRIDE / (0.5, 0.25)
    arg_max = np.stack(
        np.unravel_index(heatmaps.reshape(16, -1).argmax(1), (24, 32))[::-1], 1)
    arg_max_error = np.linalg.norm(
        arg_max * STRIDE / (0.5, 0.25) - truth, axis=1).mean()
    error = np.linalg.norm(result.keypoints[0] - truth, axis=1).mean()
    assert error < 0.6 * arg_max_error


def test_udp_decoding_follows_the_declared_codec():
    peaks = np.array([[5.3, 7.8], [12.6, 3.1]])
    heatmaps = gaussian_heatmaps(peaks)
    result = decode_keypoints(
        torch.from_numpy(heatmaps), {}, (96, 128), dict(type='UDPHeatmap', sigma=2))
    codec = UDPHeatmap(input_size=(128, 96), heatmap_size=(32, 24), sigma=2)
    expected, _ = codec.decode(heatmaps)
    np.testing.assert_allclose(result.keypoints, expected)

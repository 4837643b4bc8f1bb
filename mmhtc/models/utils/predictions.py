"""Dense predictions over the network input, back in the original image."""
from typing import Dict, Sequence

import cv2
import numpy as np
import torch
from mmengine.structures import InstanceData
from mmpose.registry import KEYPOINT_CODECS
from mmseg.models.utils import resize
from torch import Tensor


def to_original(maps: Tensor,
                meta: Dict,
                input_size: Sequence[int],
                align_corners: bool = False) -> Tensor:
    """(1, C, h, w) maps over the padded input -> (1, C, *ori_shape).

    The maps are resized to the input (``input_size``, (H, W) after padding) and
    the padding is cropped (mmseg's ``img_padding_size`` or ``padding_size``, else
    everything beyond ``meta['img_shape']``); a flipped view is flipped back. Then,
    as mmseg maps its logits back, the rest is resized to the original image
    (``meta['ori_shape']``), or, for an input warped by ``WarpToCanvas``
    (``meta['canvas_matrix']``), warped back with nearest-neighbour interpolation
    as the CorrPM release does (zero outside the canvas).
    """
    maps = resize(maps, input_size, mode='bilinear', align_corners=align_corners)
    padding = meta.get('img_padding_size', meta.get('padding_size'))
    if padding is None:
        h, w = meta['img_shape'][:2]
        maps = maps[..., :h, :w]
    else:
        left, right, top, bottom = padding
        maps = maps[..., top:maps.shape[2] - bottom, left:maps.shape[3] - right]
    if meta.get('flip'):
        maps = maps.flip(3 if meta.get('flip_direction') == 'horizontal' else 2)
    if 'canvas_matrix' in meta:
        return warp_back(maps, meta['canvas_matrix'], meta['ori_shape'][:2])
    return resize(
        maps, meta['ori_shape'][:2], mode='bilinear', align_corners=align_corners)


def warp_back(maps: Tensor, matrix: np.ndarray, shape: Sequence[int]) -> Tensor:
    """(1, C, H, W) canvas maps -> (1, C, *shape) image maps, nearest-neighbour.

    Each image pixel takes the value of the canvas pixel that OpenCV's
    ``warpAffine`` with ``INTER_NEAREST`` reads through the inverse of ``matrix``
    (2, 3), the image -> canvas map; pixels that fall outside the canvas are 0.
    """
    height, width = maps.shape[2:]
    index = np.arange(height * width, dtype=np.float32).reshape(height, width)
    index = cv2.warpAffine(
        index,
        cv2.invertAffineTransform(np.asarray(matrix, dtype=np.float64)),
        (int(shape[1]), int(shape[0])),
        flags=cv2.INTER_NEAREST,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=-1)
    index = torch.from_numpy(index.astype(np.int64)).to(maps.device)
    inside = index >= 0
    flat = maps.flatten(2)[..., index.clamp(min=0)]
    return flat * inside.to(maps.dtype)


def decode_keypoints(heatmaps: Tensor, meta: Dict, input_size: Sequence[int],
                     decoder: dict) -> InstanceData:
    """One person's keypoints from (K, h, w) heatmaps over the padded input.

    The heatmaps are decoded by the mmpose codec ``decoder`` (e.g.
    ``dict(type='MSRAHeatmap', sigma=2)`` or ``UDPHeatmap``, with their sub-pixel
    refinement), built for this input (``input_size`` (H, W)) and heatmap size, and
    the keypoints are mapped back through the test resize (``scale_factor``) or
    the inverse canvas warp (``canvas_matrix``).

    Returns:
        ``keypoints`` (1, K, 2) in original-image pixels and ``keypoint_scores``
        (1, K).
    """
    height, width = heatmaps.shape[1:]
    with KEYPOINT_CODECS.switch_scope_and_registry('mmpose') as codecs:
        codec = codecs.build(
            dict(
                decoder,
                input_size=(input_size[1], input_size[0]),
                heatmap_size=(width, height)))
    keypoints, scores = codec.decode(heatmaps.detach().float().cpu().numpy())
    if 'canvas_matrix' in meta:
        inverse = cv2.invertAffineTransform(
            np.asarray(meta['canvas_matrix'], dtype=np.float64))
        keypoints = keypoints @ inverse[:, :2].T + inverse[:, 2]
    else:
        keypoints = keypoints / np.asarray(meta.get('scale_factor', (1.0, 1.0)))[:2]
    return InstanceData(keypoints=keypoints, keypoint_scores=scores)

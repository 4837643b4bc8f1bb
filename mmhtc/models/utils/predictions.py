"""Dense predictions over the network input, back in the original image."""
from typing import Dict, Sequence

import numpy as np
from mmengine.structures import InstanceData
from mmpose.registry import KEYPOINT_CODECS
from mmseg.models.utils import resize
from torch import Tensor


def to_original(maps: Tensor, meta: Dict, input_size: Sequence[int],
                align_corners: bool = False) -> Tensor:
    """(1, C, h, w) maps over the padded input -> (1, C, *ori_shape).

    The maps are resized to the input (``input_size``, (H, W) after padding), the
    padding is cropped (``meta['img_shape']``) and the rest is resized to the
    original image (``meta['ori_shape']``), as mmseg maps its logits back.
    """
    maps = resize(maps, input_size, mode='bilinear', align_corners=align_corners)
    h, w = meta['img_shape'][:2]
    return resize(maps[..., :h, :w], meta['ori_shape'][:2], mode='bilinear',
                  align_corners=align_corners)


def decode_keypoints(heatmaps: Tensor, meta: Dict, input_size: Sequence[int],
                     decoder: dict) -> InstanceData:
    """One person's keypoints from (K, h, w) heatmaps over the padded input.

    The heatmaps are decoded by the mmpose codec ``decoder`` (e.g.
    ``dict(type='MSRAHeatmap', sigma=2)`` or ``UDPHeatmap``, with their sub-pixel
    refinement), built for this input (``input_size`` (H, W)) and heatmap size, and
    the keypoints are mapped back through the test resize (``scale_factor``).

    Returns:
        ``keypoints`` (1, K, 2) in original-image pixels and ``keypoint_scores``
        (1, K).
    """
    height, width = heatmaps.shape[1:]
    with KEYPOINT_CODECS.switch_scope_and_registry('mmpose') as codecs:
        codec = codecs.build(
            dict(decoder,
                 input_size=(input_size[1], input_size[0]),
                 heatmap_size=(width, height)))
    keypoints, scores = codec.decode(heatmaps.detach().float().cpu().numpy())
    scale = np.asarray(meta.get('scale_factor', (1.0, 1.0)))[:2]
    return InstanceData(keypoints=keypoints / scale, keypoint_scores=scores)

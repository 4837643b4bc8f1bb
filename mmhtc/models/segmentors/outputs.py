"""Mapping dense predictions over the network input back to the original image."""
from typing import Dict

import numpy as np
from mmengine.structures import InstanceData
from mmpose.codecs.utils import get_heatmap_maximum
from mmseg.models.utils import resize
from torch import Tensor


def to_original(maps: Tensor, meta: Dict, input_size,
                align_corners: bool = False) -> Tensor:
    """(1, C, h, w) maps over the padded input -> (1, C, *ori_shape)."""
    maps = resize(maps, input_size, mode='bilinear', align_corners=align_corners)
    h, w = meta['img_shape'][:2]
    return resize(maps[..., :h, :w], meta['ori_shape'][:2], mode='bilinear',
                  align_corners=align_corners)


def heatmap_keypoints(heatmaps: Tensor, meta: Dict,
                      input_size) -> InstanceData:
    """Peaks of (K, h, w) heatmaps over the padded input, in original pixels:
    ``keypoints`` (1, K, 2) and ``keypoint_scores`` (1, K), one person."""
    locations, scores = get_heatmap_maximum(
        heatmaps.detach().float().cpu().numpy())
    height, width = heatmaps.shape[1:]
    stride = np.array([input_size[1] / width, input_size[0] / height])
    scale = np.asarray(meta.get('scale_factor', (1.0, 1.0)))[:2]
    keypoints = locations * stride / scale
    return InstanceData(keypoints=keypoints[None], keypoint_scores=scores[None])

"""Person crops of an image and their predictions pasted back (top-down)."""
from typing import Tuple

import cv2
import numpy as np
import torch
from mmpose.datasets.transforms import TopdownAffine
from mmpose.structures.bbox import bbox_xyxy2cs, get_warp_matrix
from torch import Tensor


def person_crop(img: np.ndarray, bbox: np.ndarray, padding: float,
                input_size: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Cut one person from an image as mmpose's top-down test pipeline does.

    The box is enlarged by ``padding`` (mmpose's ``bbox_xyxy2cs``), widened to
    the input's aspect ratio and warped bilinearly to ``input_size`` (mmpose's
    ``TopdownAffine``; outside the image: 0).

    Args:
        img: (H, W, 3) image.
        bbox: (4, ) box, xyxy pixels.
        padding: Box enlargement factor.
        input_size: Crop size (w, h).

    Returns:
        The crop (h, w, 3) and the warp matrix (2, 3) from image to crop pixels.
    """
    center, scale = bbox_xyxy2cs(np.asarray(bbox, np.float32)[None], padding)
    results = TopdownAffine(tuple(int(v) for v in input_size))(
        dict(img=img, bbox_center=center, bbox_scale=scale))
    warp_mat = get_warp_matrix(results['input_center'], results['input_scale'], 0.0,
                               results['input_size'])
    return results['img'], warp_mat


def paste_to_image(maps: np.ndarray,
                   warp_mat: np.ndarray,
                   image_size: Tuple[int, int],
                   nearest: bool = False) -> np.ndarray:
    """Warp maps over a person crop back into the image (the inverse crop).

    Args:
        maps: (C, h, w) maps over the crop.
        warp_mat: (2, 3) warp from image to crop pixels (:func:`person_crop`).
        image_size: (H, W) of the image.
        nearest: Nearest-neighbour instead of bilinear sampling.

    Returns:
        (C, H, W) maps, 0 where the crop does not reach.
    """
    flags = (cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR) | \
        cv2.WARP_INVERSE_MAP
    out = cv2.warpAffine(
        maps.transpose(1, 2, 0),
        warp_mat, (image_size[1], image_size[0]),
        flags=flags,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0)
    return out.reshape(*image_size, len(maps)).transpose(2, 0, 1)


def keypoints_to_image(keypoints: np.ndarray, warp_mat: np.ndarray) -> np.ndarray:
    """(..., 2) crop pixels -> image pixels (inverse of ``warp_mat``)."""
    inverse = cv2.invertAffineTransform(warp_mat)
    return keypoints @ inverse[:, :2].T + inverse[:, 2]


def merge_parsing(probs: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Per-pixel arbitration of the persons' parsing where their crops overlap.

    A pixel takes, over the persons whose crops cover it, the most probable
    foreground class of any of them; it is background only where every
    covering person's background probability exceeds every foreground
    probability (the lowest background probability competes); no crop: background.

    Args:
        probs: (P, C, H, W) class probabilities per person, class 0 background.
        inside: (P, H, W) 1 where the person's crop covers the pixel.

    Returns:
        (C, H, W) scores whose per-pixel argmax is the merged parsing.
    """
    background = (probs[:, 0] + 1 - inside).min(0).clip(max=1)
    return np.concatenate([background[None], probs[:, 1:].max(0)])


def class_probabilities(seg_logits: Tensor) -> Tensor:
    """(C, h, w) ``seg_logits`` as probabilities: NPPNet stores probabilities there
    already, mmseg's segmentors logits (softmax over C)."""
    sums = seg_logits.sum(0)
    if seg_logits.min() >= 0 and torch.allclose(sums, torch.ones_like(sums), atol=1e-4):
        return seg_logits
    return seg_logits.softmax(0)

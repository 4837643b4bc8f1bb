"""Geometric augmentation that moves image, maps and keypoints together."""
from typing import Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpose.structures.bbox import flip_bbox, get_warp_matrix
from mmpose.structures.keypoint import flip_keypoints

from ...registry import TRANSFORMS, register_into
from ...structures import flip_permutation


@register_into(*TRANSFORMS)
class JointRandomFlip(BaseTransform):
    """Horizontal flip of the image, every map in ``seg_fields`` and the persons.

    The parsing map's left/right classes are swapped by the dataset's
    ``class_flip_pairs`` and the keypoints' left/right joints by its
    ``flip_indices`` (both copied into each sample by the mmhtc datasets), so a
    flipped right arm is labelled, and has the joints of, a left arm. Keypoints,
    boxes and box centres follow mmpose's flip conventions.

    Required keys: ``img``; optional ``seg_fields`` maps, ``keypoints`` (N, K, 2)
    with ``keypoints_visible`` (N, K) and ``flip_indices``, ``bbox`` (N, 4),
    ``bbox_center`` (N, 2), ``class_flip_pairs``.

    Modified keys: those above. Added keys: ``flip``, ``flip_direction``.

    Args:
        prob: Probability of flipping.
    """

    def __init__(self, prob: float = 0.5) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'JointRandomFlip: prob must be in [0, 1], got '
                             f'{prob}')
        self.prob = prob

    @cache_randomness
    def _do_flip(self) -> bool:
        return np.random.rand() < self.prob

    def transform(self, results: dict) -> dict:
        """Flip with probability ``prob``."""
        flip = self._do_flip()
        results['flip'] = flip
        results['flip_direction'] = 'horizontal' if flip else None
        if not flip:
            return results
        h, w = results['img'].shape[:2]
        results['img'] = mmcv.imflip(results['img'], 'horizontal')
        for key in results.get('seg_fields', []):
            flipped = results[key][:, ::-1]
            if key == 'gt_seg_map':
                flipped = swap_labels(flipped, results.get('class_flip_pairs', ()))
            results[key] = np.ascontiguousarray(flipped)
        if results.get('keypoints') is not None:
            results['keypoints'], results['keypoints_visible'] = flip_keypoints(
                results['keypoints'], results['keypoints_visible'], (w, h),
                results['flip_indices'])
        if 'bbox' in results:
            results['bbox'] = flip_bbox(results['bbox'], (w, h), 'xyxy')
        if 'bbox_center' in results:
            results['bbox_center'] = flip_bbox(results['bbox_center'], (w, h), 'center')
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob})'


def swap_labels(seg: np.ndarray, pairs: Sequence[Tuple[int, int]]) -> np.ndarray:
    """Exchange the class ids of each pair in a uint8 label map."""
    if not pairs:
        return seg
    return flip_permutation(256, pairs).astype(np.uint8)[seg]


@register_into(*TRANSFORMS)
class JointRandomAffine(BaseTransform):
    """Random scale, rotation and shift, warping the sample to a fixed input size.

    The region warped to ``input_size`` is the person box (``bbox_center`` and
    ``bbox_scale`` from mmpose's ``GetBBoxCenterScale``, top-down samples) or else the
    whole image; it is enlarged to the input's aspect ratio, scaled by a factor drawn
    uniformly from ``scale_range`` (> 1 zooms out), rotated by an angle drawn
    uniformly from ``[-rotate_range, rotate_range]`` degrees with probability
    ``rotate_prob``, and shifted by up to ``shift_range`` of its size. The paper's
    setting (HTCorrM, parsing): 384 x 384, rotation up to 60 degrees, scale 0.75 to
    1.25. With ``scale_range=(1, 1)`` and ``rotate_range=0`` the warp is a plain
    aspect-preserving resize, as for testing.

    The image is warped bilinearly (outside: 0), every map in ``seg_fields`` by
    nearest neighbour (outside: ``seg_pad_val``, the ignore index). As in mmpose's
    ``TopdownAffine``, ``keypoints`` stay in original-image pixels and their warped
    copy is ``transformed_keypoints``; visibilities are kept (the heatmap codec
    gives joints that leave the input zero weight).

    Required keys: ``img``; optional ``seg_fields`` maps, ``keypoints`` (N, K, 2),
    ``bbox_center`` and ``bbox_scale`` (1, 2).

    Added keys: ``transformed_keypoints`` (N, K, 2), ``input_size`` (w, h),
    ``input_center`` (2, ), ``input_scale`` (2, ), ``input_rotation`` (degrees),
    ``warp_mat`` (2, 3). Modified keys: ``img``, ``img_shape``, ``seg_fields`` maps,
    ``bbox_scale``.

    Args:
        input_size: Output size (w, h).
        scale_range: Range of the random scale factor.
        rotate_range: Largest absolute rotation in degrees.
        rotate_prob: Probability of rotating at all.
        shift_range: Largest shift of the region centre, as a fraction of its size.
        seg_pad_val: Value of map pixels that come from outside the image.
    """

    def __init__(self,
                 input_size: Tuple[int, int],
                 scale_range: Tuple[float, float] = (0.75, 1.25),
                 rotate_range: float = 60.0,
                 rotate_prob: float = 1.0,
                 shift_range: float = 0.0,
                 seg_pad_val: int = 255) -> None:
        if len(input_size) != 2 or min(input_size) <= 0:
            raise ValueError(f'JointRandomAffine: input_size must be (w, h) > 0,'
                             f' got {input_size}')
        if not 0 < scale_range[0] <= scale_range[1]:
            raise ValueError(f'JointRandomAffine: scale_range must be (low, '
                             f'high) with 0 < low <= high, got {scale_range}')
        self.input_size = tuple(int(v) for v in input_size)
        self.scale_range = tuple(scale_range)
        self.rotate_range = float(rotate_range)
        self.rotate_prob = rotate_prob
        self.shift_range = shift_range
        self.seg_pad_val = seg_pad_val

    @cache_randomness
    def _sample(self) -> Tuple[float, float, np.ndarray]:
        scale = np.random.uniform(*self.scale_range)
        rotation = 0.0
        if np.random.rand() < self.rotate_prob:
            rotation = np.random.uniform(-self.rotate_range, self.rotate_range)
        shift = np.random.uniform(-self.shift_range, self.shift_range, size=2)
        return scale, rotation, shift

    def _region(self, results: dict) -> Tuple[np.ndarray, np.ndarray]:
        """Centre and size (w, h) of the region, at the input's aspect ratio."""
        if 'bbox_center' in results:
            if len(results['bbox_center']) != 1:
                raise ValueError(
                    'JointRandomAffine: a top-down sample has one box, got '
                    f'{len(results["bbox_center"])} (img {results.get("img_path")})')
            center = results['bbox_center'][0].astype(np.float32)
            size = results['bbox_scale'][0].astype(np.float32)
        else:
            h, w = results['img'].shape[:2]
            center = np.array([w / 2, h / 2], np.float32)
            size = np.array([w, h], np.float32)
        aspect = self.input_size[0] / self.input_size[1]
        if size[0] > size[1] * aspect:
            size = np.array([size[0], size[0] / aspect], np.float32)
        else:
            size = np.array([size[1] * aspect, size[1]], np.float32)
        return center, size

    def transform(self, results: dict) -> dict:
        """Warp the sample to ``input_size``."""
        center, size = self._region(results)
        scale, rotation, shift = self._sample()
        size = size * scale
        center = center + shift * size
        warp_mat = get_warp_matrix(center, size, rotation, self.input_size)
        results['img'] = cv2.warpAffine(
            results['img'], warp_mat, self.input_size, flags=cv2.INTER_LINEAR)
        for key in results.get('seg_fields', []):
            results[key] = cv2.warpAffine(
                results[key],
                warp_mat,
                self.input_size,
                flags=cv2.INTER_NEAREST,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=self.seg_pad_val)
        if results.get('keypoints') is not None:
            results['transformed_keypoints'] = (
                results['keypoints'] @ warp_mat[:, :2].T + warp_mat[:, 2]).astype(
                    np.float32)
        if 'bbox_scale' in results:
            results['bbox_scale'] = size[None]
        results.update(
            img_shape=results['img'].shape[:2],
            input_size=self.input_size,
            input_center=center,
            input_scale=size,
            input_rotation=rotation,
            warp_mat=warp_mat)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, '
                f'scale_range={self.scale_range}, rotate_range='
                f'{self.rotate_range}, rotate_prob={self.rotate_prob}, '
                f'shift_range={self.shift_range}, seg_pad_val={self.seg_pad_val})')


@register_into(*TRANSFORMS)
class WarpToCanvas(BaseTransform):
    """Warp the whole image, aspect kept and centred, into a fixed canvas.

    The test input of the CorrPM release: the image box ``[0, 0, w - 1, h - 1]``
    grown to the canvas' aspect ratio is mapped by mmpose's ``get_warp_matrix``
    (the centre onto the canvas centre) with bilinear interpolation; the rest of
    the canvas is black. Labels stay as loaded (scored at the image's size); the
    prediction goes back through the inverse warp with nearest-neighbour
    interpolation (``mmhtc.models.utils.to_original``).

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``. Added keys:
    ``canvas_matrix`` (2, 3), the affine map from image to canvas pixels.

    Args:
        size: (W, H) of the canvas.
    """

    def __init__(self, size: Sequence[int]) -> None:
        self.size = tuple(size)

    def transform(self, results: dict) -> dict:
        """Warp ``img`` and record the map."""
        h, w = results['img'].shape[:2]
        canvas_w, canvas_h = self.size
        box_w, box_h = w - 1.0, h - 1.0
        aspect = canvas_w / canvas_h
        if box_w > aspect * box_h:
            box_h = box_w / aspect
        else:
            box_w = box_h * aspect
        matrix = get_warp_matrix(
            np.array([(w - 1) / 2, (h - 1) / 2], dtype=np.float32),
            np.array([box_w, box_h], dtype=np.float32), 0, self.size)
        results['img'] = cv2.warpAffine(
            results['img'],
            matrix,
            self.size,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0)
        results['img_shape'] = (canvas_h, canvas_w)
        results['canvas_matrix'] = matrix
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(size={self.size})'

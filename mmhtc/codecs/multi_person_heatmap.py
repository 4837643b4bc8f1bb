"""Gaussian heatmaps of every person in an image (image-level pose targets)."""
from typing import Optional

import numpy as np
from mmpose.codecs import MSRAHeatmap
from mmpose.codecs.utils import generate_gaussian_heatmaps

from ..registry import KEYPOINT_CODECS


@KEYPOINT_CODECS.register_module()
class MultiPersonHeatmap(MSRAHeatmap):
    """MSRA heatmaps of all N persons of an image, one map per keypoint type.

    Image-level models (parsing or edge as the main task, multi-person inputs such as
    CIHP) supervise their pose branch with one heatmap per joint type that holds a
    Gaussian at that joint of every person; overlapping Gaussians take the maximum.
    With one person this equals :class:`mmpose.codecs.MSRAHeatmap`; decoding is
    MSRAHeatmap's (the single strongest peak per joint).

    Args:
        input_size: Input image size (w, h).
        heatmap_size: Heatmap size (w, h).
        sigma: Gaussian standard deviation in heatmap pixels (paper: 2).
        unbiased, blur_kernel_size: As in MSRAHeatmap (the unbiased encoding is
            not available for several persons).
    """

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Encode keypoints (N, K, 2) in input-image pixels, N >= 0.

        Returns:
            dict: ``heatmaps`` (K, H, W) and ``keypoint_weights`` (N, K), 0 for
            joints that are not annotated or fall outside the heatmap.
        """
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], dtype=np.float32)
        heatmaps, keypoint_weights = generate_gaussian_heatmaps(
            heatmap_size=self.heatmap_size,
            keypoints=keypoints / self.scale_factor,
            keypoints_visible=keypoints_visible,
            sigma=self.sigma)
        return dict(heatmaps=heatmaps, keypoint_weights=keypoint_weights)

"""One image's predictions of every task, read from a model's data sample."""
from dataclasses import dataclass
from typing import Optional

import numpy as np
from torch import Tensor


@dataclass
class HumanResult:
    """The predictions of one image, in its pixels (H x W).

    Attributes:
        parsing: (H, W) int64 class ids, or None.
        edge: (H, W) float32 edge probabilities, or None.
        keypoints: (N, K, 2) float32 (x, y) per person, or None.
        keypoint_scores: (N, K) float32, or None.
        relation: (H, W) float32, the HNL relation map of the query pixel asked
            for (its attention over the image), or None.
        data_sample: The model's data sample the fields were read from.
    """
    parsing: Optional[np.ndarray] = None
    edge: Optional[np.ndarray] = None
    keypoints: Optional[np.ndarray] = None
    keypoint_scores: Optional[np.ndarray] = None
    relation: Optional[np.ndarray] = None
    data_sample: object = None


def human_result(data_sample) -> HumanResult:
    """Read a data sample's predictions under the names both worlds use:

    ``pred_sem_seg`` (parsing), ``pred_edge_map`` (edge probabilities) and
    ``pred_instances`` (``keypoints``, ``keypoint_scores``).
    """
    result = HumanResult(data_sample=data_sample)
    if 'pred_sem_seg' in data_sample:
        result.parsing = to_numpy(data_sample.pred_sem_seg.data[0]).astype(np.int64)
    if 'pred_edge_map' in data_sample:
        result.edge = to_numpy(data_sample.pred_edge_map.data[0]).astype(np.float32)
    instances = data_sample.get('pred_instances')
    if instances is not None and 'keypoints' in instances:
        result.keypoints = to_numpy(instances.keypoints).astype(np.float32)
        result.keypoint_scores = to_numpy(instances.keypoint_scores).astype(np.float32)
    return result


def to_numpy(data) -> np.ndarray:
    """A tensor (any device) or array-like as a NumPy array."""
    return data.detach().cpu().numpy() if isinstance(data, Tensor) else \
        np.asarray(data)

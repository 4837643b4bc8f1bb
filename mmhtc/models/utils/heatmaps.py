"""Weights of the pose heatmap targets."""
from typing import Sequence

import torch
from torch import Tensor


def heatmap_weights(data_samples: Sequence, target: Tensor) -> Tensor:
    """Per-heatmap weights (B, K) of heatmap targets (B, K, H, W): the person's keypoint
    weights for single-person samples; 1 for image-level heatmaps of several persons,
    whose empty maps are informative too."""
    weights = []
    for sample in data_samples:
        person = sample.gt_instance_labels.get('keypoint_weights')
        if person is not None and len(person) == 1:
            weights.append(person[0].to(target))
        else:
            weights.append(target.new_ones(target.shape[1]))
    return torch.stack(weights)

"""The training split divided into two halves for architecture search."""
from typing import Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS as MMENGINE_DATASETS

from ..registry import DATASETS, register_into


@register_into(*DATASETS)
class SearchSplitDataset:
    """Pairs of samples from two disjoint random halves of a dataset.

    NPPNet's search (Sec. 3.6, eq. 7) updates the network weights on one half of
    the training split (train_w) and the architecture on the other (train_A).
    Item i is ``dict(weights=<sample>, architecture=<sample>)``: the i-th sample
    of the weights half and of the architecture half (each half in a fixed
    random order, so the sampler's shuffling reorders the pairs). With an odd
    number of samples the last one of the random order is left out.

    Args:
        dataset: The dataset or its config.
        seed: Seed of the random division. Default: 0.
    """

    def __init__(self, dataset: Union[BaseDataset, dict], seed: int = 0) -> None:
        if isinstance(dataset, dict):
            dataset = MMENGINE_DATASETS.build(dataset)
        self.dataset = dataset
        order = np.random.default_rng(seed).permutation(len(dataset))
        half = len(dataset) // 2
        if half == 0:
            raise ValueError('SearchSplitDataset: the dataset needs at least '
                             f'2 samples to split, it has {len(dataset)}')
        self.weights_indices = order[:half]
        self.architecture_indices = order[half:2 * half]

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's metainfo."""
        return self.dataset.metainfo

    def __len__(self) -> int:
        return len(self.weights_indices)

    def __getitem__(self, index: int) -> dict:
        return dict(
            weights=self.dataset[int(self.weights_indices[index])],
            architecture=self.dataset[int(self.architecture_indices[index])])

"""Left/right class pairs as index permutations."""
from typing import Sequence, Tuple

import numpy as np


def flip_permutation(num: int, pairs: Sequence[Tuple[int, int]]) -> np.ndarray:
    """Indices 0..num-1 with the two members of each pair exchanged.

    Indexing a label lookup table or a class axis with it swaps left and right
    classes, e.g. after a horizontal flip.

    Args:
        num: The number of indices.
        pairs: Index pairs to exchange.

    Returns:
        The permutation, shape (num, ).
    """
    order = np.arange(num)
    for a, b in pairs:
        order[a], order[b] = b, a
    return order

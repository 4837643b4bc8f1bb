from .flip import flip_permutation

__all__ = ['flip_permutation']

from .flip import flip_permutation
from .human_result import HumanResult, human_result

__all__ = ['HumanResult', 'flip_permutation', 'human_result']

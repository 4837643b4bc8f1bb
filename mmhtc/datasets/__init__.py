from .atr import ATRHumanDataset
from .base import BaseHumanDataset
from .cihp import CIHPHumanDataset
from .lip import LIPHumanDataset
from .mpii import MPIIHumanDataset
from .pascal_person_part import PascalPersonPartHumanDataset
from .search_split import SearchSplitDataset
from .synthetic_lip import SyntheticLIPDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'BaseHumanDataset', 'LIPHumanDataset', 'CIHPHumanDataset', 'ATRHumanDataset',
    'MPIIHumanDataset', 'PascalPersonPartHumanDataset', 'SearchSplitDataset',
    'SyntheticLIPDataset'
]

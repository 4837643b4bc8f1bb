from .hooks import DeriveGenotypeHook, NaNGuardHook, NumClassesCheckHook, RNGStateHook
from .optimizers import SearchOptimWrapperConstructor

__all__ = [
    'DeriveGenotypeHook', 'NaNGuardHook', 'NumClassesCheckHook', 'RNGStateHook',
    'SearchOptimWrapperConstructor'
]

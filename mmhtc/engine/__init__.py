from .hooks import (DeriveGenotypeHook, NaNGuardHook, NumClassesCheckHook,
                    StepSeedHook)
from .optimizers import SearchOptimWrapperConstructor

__all__ = [
    'DeriveGenotypeHook', 'NaNGuardHook', 'NumClassesCheckHook', 'StepSeedHook',
    'SearchOptimWrapperConstructor'
]

from .hooks import (AtomicCheckpointHook, DeriveGenotypeHook, NaNGuardHook,
                    NumClassesCheckHook, StepSeedHook)
from .optimizers import SearchOptimWrapperConstructor
from .resume import find_resume_checkpoint, intact_checkpoint_error

__all__ = [
    'AtomicCheckpointHook', 'DeriveGenotypeHook', 'NaNGuardHook', 'NumClassesCheckHook',
    'StepSeedHook', 'SearchOptimWrapperConstructor', 'find_resume_checkpoint',
    'intact_checkpoint_error'
]

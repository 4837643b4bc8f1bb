from .atomic_checkpoint_hook import AtomicCheckpointHook
from .derive_genotype_hook import DeriveGenotypeHook
from .nan_guard_hook import NaNGuardHook
from .num_classes_check_hook import NumClassesCheckHook
from .step_seed_hook import StepSeedHook

__all__ = [
    'AtomicCheckpointHook', 'DeriveGenotypeHook', 'NaNGuardHook', 'NumClassesCheckHook',
    'StepSeedHook'
]

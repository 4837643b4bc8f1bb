from .derive_genotype_hook import DeriveGenotypeHook
from .nan_guard_hook import NaNGuardHook
from .num_classes_check_hook import NumClassesCheckHook
from .rng_state_hook import RNGStateHook

__all__ = ['DeriveGenotypeHook', 'NaNGuardHook', 'NumClassesCheckHook', 'RNGStateHook']

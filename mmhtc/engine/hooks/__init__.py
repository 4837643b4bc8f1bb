from .nan_guard_hook import NaNGuardHook
from .num_classes_check_hook import NumClassesCheckHook

__all__ = ['NaNGuardHook', 'NumClassesCheckHook']

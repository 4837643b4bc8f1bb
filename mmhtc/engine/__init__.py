from .hooks import NaNGuardHook, NumClassesCheckHook

__all__ = ['NaNGuardHook', 'NumClassesCheckHook']

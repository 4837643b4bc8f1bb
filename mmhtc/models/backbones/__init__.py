"""Backbones: BDCN (VGG16 trunk with ID blocks)."""
__all__ = []

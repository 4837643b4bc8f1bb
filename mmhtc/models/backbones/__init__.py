"""Backbones: BDCN (VGG16 trunk with ID blocks)."""
from .bdcn import BDCN

__all__ = ['BDCN']

"""Backbones: BDCN (VGG16 trunk with ID blocks) and HRNet with stage outputs."""
from .bdcn import BDCN
from .hrnet_taps import PoseHRNetTaps, SegHRNetTaps

__all__ = ['BDCN', 'PoseHRNetTaps', 'SegHRNetTaps']

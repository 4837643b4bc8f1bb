"""mmhtc: joint human parsing, pose estimation and edge detection for OpenMMLab."""
from .version import __version__

__all__ = ['__version__']

"""mmhtc: joint human parsing, pose estimation and edge detection for OpenMMLab.

Importing the package registers its modules into mmseg's and mmpose's registries
(see :mod:`mmhtc.registry`); configs load it with
``custom_imports=dict(imports=['mmhtc'], allow_failed_imports=False)``.
"""
from . import codecs, datasets, engine, evaluation, models, structures, visualization
from .version import __version__

__all__ = ['__version__']

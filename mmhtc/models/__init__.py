"""Models: backbones, layers, heads and losses of HTCorrM and NPPNet."""
from . import backbones  # noqa: F401

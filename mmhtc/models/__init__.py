"""Models: backbones, layers, heads and losses of HTCorrM and NPPNet."""
from . import backbones, heads, layers, losses  # noqa: F401

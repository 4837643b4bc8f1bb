"""Models: backbones, layers, heads and losses of HTCorrM and NPPNet."""
from . import backbones, heads, layers, losses, nas, segmentors  # noqa: F401

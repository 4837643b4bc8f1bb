from .encoders import EdgeEncoder, ParsingEncoder, PoseEncoder
from .hnl import HeterogeneousNonLocal

__all__ = ['HeterogeneousNonLocal', 'ParsingEncoder', 'PoseEncoder', 'EdgeEncoder']

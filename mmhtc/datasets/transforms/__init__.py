from .edge import GenerateHumanEdge
from .formatting import PackHumanPoseInputs, PackHumanSegInputs
from .geometric import JointRandomAffine, JointRandomFlip
from .loading import LoadHumanAnnotations

__all__ = [
    'LoadHumanAnnotations', 'JointRandomFlip', 'JointRandomAffine',
    'PackHumanSegInputs', 'PackHumanPoseInputs', 'GenerateHumanEdge'
]

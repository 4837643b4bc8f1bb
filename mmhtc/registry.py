"""Registration of mmhtc modules into the OpenMMLab registries.

mmhtc has no registries of its own. Every module is registered into the registry of
the library whose Runner builds it: mmseg's (``default_scope='mmseg'``) or mmpose's
(``default_scope='mmpose'``). Modules that serve both worlds (datasets, the shared data
transforms) are registered in both, so configs of either library use them by their
plain names.
"""
from typing import Callable, Type

# Model wrappers go into mmengine's root MODEL_WRAPPERS: Runner.wrap_model looks the
# wrapper type up there (MODEL_WRAPPERS.get, without scope) before building it.
from mmengine.registry import MODEL_WRAPPERS, Registry
from mmpose.registry import DATASETS as POSE_DATASETS
from mmpose.registry import HOOKS as POSE_HOOKS
from mmpose.registry import KEYPOINT_CODECS
from mmpose.registry import METRICS as POSE_METRICS
from mmpose.registry import MODELS as POSE_MODELS
from mmpose.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as POSE_OPTIM_WRAPPER_CONSTRUCTORS
from mmpose.registry import TRANSFORMS as POSE_TRANSFORMS
from mmpose.registry import VISUALIZERS as POSE_VISUALIZERS
from mmseg.registry import DATASETS as SEG_DATASETS
from mmseg.registry import HOOKS as SEG_HOOKS
from mmseg.registry import METRICS as SEG_METRICS
from mmseg.registry import MODELS as SEG_MODELS
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS as SEG_OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.registry import TRANSFORMS as SEG_TRANSFORMS
from mmseg.registry import VISUALIZERS as SEG_VISUALIZERS

__all__ = [
    'register_into', 'SEG_DATASETS', 'SEG_METRICS', 'SEG_MODELS', 'SEG_TRANSFORMS',
    'SEG_VISUALIZERS', 'POSE_DATASETS', 'POSE_METRICS', 'POSE_MODELS',
    'POSE_TRANSFORMS', 'POSE_VISUALIZERS', 'KEYPOINT_CODECS', 'DATASETS', 'TRANSFORMS',
    'SEG_HOOKS', 'POSE_HOOKS', 'HOOKS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'MODEL_WRAPPERS'
]


def register_into(*registries: Registry) -> Callable[[Type], Type]:
    """Class decorator registering the class into each of ``registries``.

    Args:
        *registries: The registries to add the class to, under its class name.

    Returns:
        The decorator, which returns the class unchanged.
    """

    def decorator(cls: Type) -> Type:
        for registry in registries:
            registry.register_module(module=cls)
        return cls

    return decorator


#: Datasets and shared transforms are built by mmseg and mmpose Runners alike.
DATASETS = (SEG_DATASETS, POSE_DATASETS)
TRANSFORMS = (SEG_TRANSFORMS, POSE_TRANSFORMS)
#: Training hooks run in mmseg and mmpose Runners alike.
HOOKS = (SEG_HOOKS, POSE_HOOKS)
#: Optimizer wrapper constructors of mmseg and mmpose Runners.
OPTIM_WRAPPER_CONSTRUCTORS = (SEG_OPTIM_WRAPPER_CONSTRUCTORS,
                              POSE_OPTIM_WRAPPER_CONSTRUCTORS)

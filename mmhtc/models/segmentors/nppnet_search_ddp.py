"""Distributed data parallel for NPPNet's search."""
from typing import Dict, Union

from mmengine.model import MMDistributedDataParallel
from torch import Tensor

from ...registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class NPPNetSearchDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that runs NPPNet's search step.

    mmengine's wrapper has its own ``train_step`` (one optimizer, one forward),
    which would bypass :meth:`NPPNet.search_step` and fail on the search's
    ``OptimWrapperDict``. This one hands the step to the model with itself as the
    forward runner, so that both the architecture and the weight step forward
    through DDP and their backward passes average the gradients over the
    processes. Outside the search (``model.searching`` false) it is
    ``MMDistributedDataParallel``.

    Set in a search config as ``model_wrapper_cfg = dict(type='NPPNetSearchDDP')``
    (``configs/_base_/schedules/nppnet_search_50e.py`` does). Registered in
    mmengine's root ``MODEL_WRAPPERS``, where the Runner looks the type up
    (``Runner.wrap_model``), so mmseg and mmpose Runners find it.
    """

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper) -> Dict[str, Tensor]:
        if not getattr(self.module, 'searching', False):
            return super().train_step(data, optim_wrapper)
        return self.module.search_step(data, optim_wrapper, self)

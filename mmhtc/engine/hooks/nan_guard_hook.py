"""Stop training at the first non-finite loss."""
import math
from typing import Optional, Union

import torch
from mmengine.hooks import Hook

from ...registry import HOOKS, register_into


@register_into(*HOOKS)
class NaNGuardHook(Hook):
    """Raise when a loss term of a training iteration is NaN or infinite.

    After every training iteration the logged loss dict (the ``log_vars`` that the
    model's ``parse_losses`` returns: the total ``loss`` and every term, e.g.
    ``decode.loss_ce``, ``decode.loss_pose_encoder``) is checked. A non-finite value
    stops training with a :class:`RuntimeError` that names the terms and the
    iteration, counted from 1 as the log counts it. The total ``loss`` is named
    only when no term is non-finite on its own (an overflowing sum).

    The hook runs after the logger (so the bad iteration is in the log) and before
    the checkpoint hook (so no checkpoint with the diverged weights is written).
    In distributed training each process checks its own losses; the process that
    raises ends the job.
    """

    priority = 'LOW'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[Union[dict, tuple, list]] = None,
                         outputs: Optional[dict] = None) -> None:
        """Check ``outputs`` (name -> scalar) of iteration ``runner.iter + 1``."""
        bad = {
            name: value
            for name, value in (outputs or {}).items()
            if not _finite(value)
        }
        if not bad:
            return
        terms = [name for name in bad if name != 'loss'] or ['loss']
        values = ', '.join(f'{name}={_item(bad[name])}' for name in terms)
        raise RuntimeError(
            f'NaNGuardHook: non-finite loss at iteration {runner.iter + 1} '
            f'(epoch {runner.epoch + 1}): {values}')


def _finite(value: Union[torch.Tensor, float]) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value.detach()).all())
    return math.isfinite(float(value))


def _item(value: Union[torch.Tensor, float]) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return value

"""Stop training at the first non-finite loss."""
import logging
import math
from typing import List, Optional, Union

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapperDict

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

    Mixed precision (``AmpOptimWrapper`` with dynamic loss scaling, e.g.
    ``tools/train.py --amp``): a float16 forward can overflow, and the loss
    scaler then skips the update and halves its scale; the weights are unchanged.
    Such an iteration (a non-finite loss whose update the scaler skipped, seen as a
    lower scale after the iteration) is logged as a warning and training goes on,
    unless the weights or buffers (e.g. BN running statistics) became non-finite
    or more than ``max_skipped_iters`` such iterations come in a row: a loss that
    stays non-finite is a real one. Steps skipped with a finite loss (gradients
    overflowing at a high scale, the scaler's normal working) are not a concern of
    this hook.

    The hook runs after the logger (so the bad iteration is in the log) and before
    the checkpoint hook (so no checkpoint with the diverged weights is written).
    In distributed training each process checks its own losses; the process that
    raises ends the job.

    Args:
        max_skipped_iters: The most iterations in a row with a non-finite loss and
            a skipped mixed-precision update that are tolerated.
    """

    priority = 'LOW'

    def __init__(self, max_skipped_iters: int = 10) -> None:
        self.max_skipped_iters = max_skipped_iters
        self._scales: List[float] = []
        self._skipped_in_a_row = 0

    def before_train_iter(
            self,
            runner,
            batch_idx: int,
            data_batch: Optional[Union[dict, tuple, list]] = None) -> None:
        """Note the loss scales of the mixed-precision optimizer wrappers."""
        self._scales = _loss_scales(runner.optim_wrapper)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[Union[dict, tuple, list]] = None,
                         outputs: Optional[dict] = None) -> None:
        """Check ``outputs`` (name -> scalar) of iteration ``runner.iter + 1``."""
        bad = {
            name: value
            for name, value in (outputs or {}).items() if not _finite(value)
        }
        if not bad:
            self._skipped_in_a_row = 0
            return
        terms = [name for name in bad if name != 'loss'] or ['loss']
        values = ', '.join(f'{name}={_item(bad[name])}' for name in terms)
        where = (f'NaNGuardHook: non-finite loss at iteration {runner.iter + 1} '
                 f'(epoch {runner.epoch + 1}): {values}')
        scales = _loss_scales(runner.optim_wrapper)
        if not any(after < before for before, after in zip(self._scales, scales)):
            raise RuntimeError(where)
        self._skipped_in_a_row += 1
        broken = _non_finite_state(runner.model)
        if broken:
            raise RuntimeError(f'{where}; the loss scaler skipped the update, but '
                               f'{broken} became non-finite')
        if self._skipped_in_a_row > self.max_skipped_iters:
            raise RuntimeError(
                f'{where}; {self._skipped_in_a_row} iterations in a row with a '
                'non-finite loss (more than max_skipped_iters='
                f'{self.max_skipped_iters}) although the loss scaler skipped '
                'their updates')
        print_log(
            f'{where}; the loss scaler skipped the update (scale '
            f'{self._scales} -> {scales}), the weights are unchanged '
            f'({self._skipped_in_a_row} such iterations in a row, at most '
            f'{self.max_skipped_iters})',
            logger='current',
            level=logging.WARNING)


def _loss_scales(optim_wrapper) -> List[float]:
    """The scale of every dynamic loss scaler among the optimizer wrappers."""
    wrappers = (
        optim_wrapper.values()
        if isinstance(optim_wrapper, OptimWrapperDict) else [optim_wrapper])
    return [
        wrapper.loss_scaler.get_scale() for wrapper in wrappers
        if isinstance(wrapper, AmpOptimWrapper) and wrapper._scale_update_param is None
    ]


def _non_finite_state(model: torch.nn.Module) -> Optional[str]:
    """The first parameter or buffer of ``model`` that holds a NaN or inf."""
    for kind, tensors in (('parameter', model.named_parameters()),
                          ('buffer', model.named_buffers())):
        for name, tensor in tensors:
            if tensor.is_floating_point() and not _finite(tensor):
                return f'{kind} {name}'
    return None


def _finite(value: Union[torch.Tensor, float]) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value.detach()).all())
    return math.isfinite(float(value))


def _item(value: Union[torch.Tensor, float]) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return value

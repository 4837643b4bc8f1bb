"""Seeds that depend on the training step, for exact resume."""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook

from ...registry import HOOKS, register_into


def step_seed(seed: int, kind: int, step: int) -> int:
    """A 32-bit seed from the run's seed, a stream id and the step."""
    return int(np.random.SeedSequence([seed, kind, step]).generate_state(1)[0])


@register_into(*HOOKS)
class StepSeedHook(Hook):
    """Seed the global RNGs from the step, so that a resumed run draws as the
    interrupted one would have.

    mmengine's training checkpoints hold the model, optimizer, schedulers and
    message hub but not the random number generators, so a resumed run would draw
    other dropout masks (torch's RNG) and, in epoch-based training, other
    augmentations (numpy's and Python's RNGs, used by the transforms). With this
    hook the draws depend on where training is, not on how it got there:

    - before every epoch, Python's, numpy's and torch's RNGs are seeded from
      ``(runner.seed, epoch)``. ``EpochBasedTrainLoop`` resumes at the start of an
      epoch, so its augmentations (``num_workers=0``; workers seed themselves
      with mmengine's ``worker_init_fn``) and data order (``DefaultSampler``,
      seeded by epoch) repeat exactly. ``IterBasedTrainLoop`` counts the whole
      run as one epoch and on resume replays the first k batches through the
      data pipeline, which brings the sampler and, from the same seed, numpy's
      and Python's RNGs to where they stood after batch k;
    - before every iteration, torch's RNG (CPU and CUDA; dropout, random layers)
      is seeded from ``(runner.seed, iteration)``;
    - validation inside training keeps its draws to itself: the RNG states are
      saved before it and set back after it.

    ``runner.seed`` is the ``randomness.seed`` (plus the rank with
    ``diff_rank_seed=True``); resuming restores it from the checkpoint.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._outside_val: Optional[tuple] = None

    def before_train_epoch(self, runner) -> None:
        """Seed Python's, numpy's and torch's RNGs from the epoch."""
        seed = step_seed(runner.seed, 0, runner.epoch)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        """Seed torch's RNG from the iteration."""
        torch.manual_seed(step_seed(runner.seed, 1, runner.iter))

    def before_val(self, runner) -> None:
        """Remember training's RNG states."""
        self._outside_val = (random.getstate(), np.random.get_state(),
                             torch.get_rng_state())

    def after_val(self, runner) -> None:
        """Give training its RNG states back."""
        if self._outside_val is not None:
            python, numpy, cpu = self._outside_val
            random.setstate(python)
            np.random.set_state(numpy)
            torch.set_rng_state(cpu)
            self._outside_val = None

"""Writes the genotype derived from the architecture being searched."""
import os.path as osp

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...models.nas import save_genotype
from ...registry import HOOKS, register_into


@register_into(*HOOKS)
class DeriveGenotypeHook(Hook):
    """Derives the searched parts' genotype (the DARTS rule for cells,
    NPPNet's rule for interactions) and writes it as YAML into the work dir
    after every validation and at the end of training: ``genotype_<n>.yaml``
    (n = iteration, or epoch with ``by_epoch``) and ``genotype.yaml`` (latest),
    on the main process only.

    Args:
        threshold: Cumulative weight kept per interaction node. Default: 0.7.
        max_ops: Most (edge, op) pairs per interaction node. Default: 4.
        by_epoch: Name files by epoch instead of iteration. Default: True.
    """

    priority = 'LOW'

    def __init__(self, threshold: float = 0.7, max_ops: int = 4,
                 by_epoch: bool = True) -> None:
        self.threshold = threshold
        self.max_ops = max_ops
        self.by_epoch = by_epoch
        self._written = None

    @master_only
    def _write(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        network = getattr(model, 'network', None)
        if network is None or not getattr(network, 'search', ()):
            return
        genotype = network.derive(self.threshold, self.max_ops)
        step = runner.epoch if self.by_epoch else runner.iter
        if step == self._written:
            return
        self._written = step
        path = osp.join(runner.work_dir, f'genotype_{step}.yaml')
        save_genotype(genotype, path)
        save_genotype(genotype, osp.join(runner.work_dir, 'genotype.yaml'))
        runner.logger.info(f'derived genotype written to {path}')

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Write the genotype after each validation."""
        self._write(runner)

    def after_train(self, runner) -> None:
        """Write the final genotype."""
        self._write(runner)

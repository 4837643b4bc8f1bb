"""Writes the genotype derived from the architecture being searched."""
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...models.nas import save_genotype
from ...registry import HOOKS, register_into


@register_into(*HOOKS)
class DeriveGenotypeHook(Hook):
    """Derives the searched parts' genotype (the DARTS rule for cells, NPPNet's rule for
    interactions) and writes it as YAML into the work dir, on the main process only.

    After every validation: ``genotype_<n>.yaml`` (n = iteration, or epoch with
    ``by_epoch``) and ``genotype_last.yaml``; when the validation's ``metric``
    is the best so far (the authors' rule), also ``genotype_best.yaml`` and
    ``genotype.yaml``, the search's result. At the end of training
    ``genotype_last.yaml`` is written again, and ``genotype.yaml`` too when no
    validation reported ``metric``. The best score is kept in the message hub,
    so a resumed search compares with the scores before the interruption.

    Args:
        threshold: Cumulative weight kept per interaction node. Default: 0.7.
        max_ops: Most (edge, op) pairs per interaction node. Default: 4.
        by_epoch: Name files by epoch instead of iteration. Default: True.
        metric: The validation metric that ranks genotypes. Default: 'mIoU'.
        rule: 'greater' or 'less' is better. Default: 'greater'.
    """

    priority = 'LOW'
    best_key = 'genotype_best_score'

    def __init__(self,
                 threshold: float = 0.7,
                 max_ops: int = 4,
                 by_epoch: bool = True,
                 metric: str = 'mIoU',
                 rule: str = 'greater') -> None:
        if rule not in ('greater', 'less'):
            raise ValueError("DeriveGenotypeHook: rule must be 'greater' or "
                             f"'less', got {rule!r}")
        self.threshold = threshold
        self.max_ops = max_ops
        self.by_epoch = by_epoch
        self.metric = metric
        self.rule = rule

    def _derive(self, runner) -> Optional[dict]:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        network = getattr(model, 'network', None)
        if network is None or not getattr(network, 'search', ()):
            return None
        return network.derive(self.threshold, self.max_ops)

    def _is_best(self, runner, metrics: Optional[Dict]) -> bool:
        if not metrics or self.metric not in metrics:
            return False
        score = float(metrics[self.metric])
        best = runner.message_hub.get_info(self.best_key)
        if best is not None and (score <= best
                                 if self.rule == 'greater' else score >= best):
            return False
        runner.message_hub.update_info(self.best_key, score)
        return True

    @master_only
    def _save(self, runner, genotype: dict, *names: str) -> None:
        for name in names:
            save_genotype(genotype, osp.join(runner.work_dir, name))
        runner.logger.info(f'derived genotype written to {", ".join(names)} '
                           f'in {runner.work_dir}')

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Write the genotype of this validation; keep it if it is the best."""
        genotype = self._derive(runner)
        if genotype is None:
            return
        step = runner.epoch if self.by_epoch else runner.iter
        names = [f'genotype_{step}.yaml', 'genotype_last.yaml']
        if self._is_best(runner, metrics):
            names += ['genotype_best.yaml', 'genotype.yaml']
        self._save(runner, genotype, *names)

    def after_train(self, runner) -> None:
        """Write the final genotype (and, without a ranked validation, the result)."""
        genotype = self._derive(runner)
        if genotype is None:
            return
        names = ['genotype_last.yaml']
        if runner.message_hub.get_info(self.best_key) is None:
            names.append('genotype.yaml')
        self._save(runner, genotype, *names)

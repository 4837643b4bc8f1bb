"""Separate optimizers for the architecture parameters and the weights."""
from typing import Optional

from mmengine.optim import OptimWrapperDict
from mmengine.registry import OPTIM_WRAPPERS, OPTIMIZERS
from torch import nn

from ...models.nas import architecture_parameters
from ...registry import OPTIM_WRAPPER_CONSTRUCTORS, register_into


@register_into(*OPTIM_WRAPPER_CONSTRUCTORS)
class SearchOptimWrapperConstructor:
    """Builds an ``OptimWrapperDict`` with a ``mutator`` wrapper over the model's
    architecture parameters (:class:`ArchitectureParameters`) and an ``architecture``
    wrapper over every other parameter (the network weights), the names of mmrazor's
    ``SeparateOptimWrapperConstructor``.

    Config::

        optim_wrapper = dict(
            constructor='SearchOptimWrapperConstructor',
            architecture=dict(optimizer=dict(type='Adam', lr=1e-3)),
            mutator=dict(optimizer=dict(
                type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=1e-3)))

    Each entry is an optimizer wrapper config (``type`` defaults to
    'OptimWrapper').
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        missing = {'architecture', 'mutator'} - set(optim_wrapper_cfg)
        if missing:
            raise ValueError('SearchOptimWrapperConstructor: optim_wrapper '
                             f'needs the entries {sorted(missing)}')
        if paramwise_cfg:
            raise ValueError('SearchOptimWrapperConstructor: paramwise_cfg is '
                             'not supported')
        self.cfgs = {
            name: dict(optim_wrapper_cfg[name])
            for name in ('architecture', 'mutator')
        }

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = getattr(model, 'module', model)
        arch = list(architecture_parameters(model))
        if not arch:
            raise ValueError('SearchOptimWrapperConstructor: the model has no '
                             'architecture parameters (no searched part)')
        arch_ids = {id(p) for p in arch}
        params = dict(
            mutator=arch,
            architecture=[
                p for p in model.parameters()
                if id(p) not in arch_ids and p.requires_grad
            ])
        wrappers = {}
        for name, cfg in self.cfgs.items():
            cfg = dict(cfg)
            optimizer = OPTIMIZERS.build(
                dict(cfg.pop('optimizer'), params=params[name]))
            cfg.setdefault('type', 'OptimWrapper')
            wrappers[name] = OPTIM_WRAPPERS.build(dict(cfg, optimizer=optimizer))
        return OptimWrapperDict(**wrappers)

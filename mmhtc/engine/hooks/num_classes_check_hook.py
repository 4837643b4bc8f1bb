"""Check before training or testing that the model fits the dataset."""
from typing import Iterator, Tuple

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import nn

from ...models.heads.htcorrm_core import HTCorrMCore
from ...models.nas import NPPNetwork
from ...registry import HOOKS, register_into


@register_into(*HOOKS)
class NumClassesCheckHook(Hook):
    """Raise when the model's outputs disagree with the dataset's classes.

    Before training, validation and testing, every parsing output of the model is
    compared with the dataset's ``metainfo['classes']`` and every pose output with
    its ``metainfo['num_keypoints']``:

    - an :class:`HTCorrMCore` with a parsing encoder: its ``num_classes`` (for
      parsing as the main task the decode head's, unless ``core.num_classes`` is
      given);
    - an :class:`HTCorrMCore` with a pose encoder: its ``num_keypoints`` (for pose
      as the main task the head's ``out_channels``);
    - an :class:`NPPNetwork`: its ``num_classes`` and ``num_keypoints``;
    - any other mmseg decode head (e.g. an auxiliary ``FCNHead``): its
      ``num_classes``; the decode head of an edge-main HTCorrM predicts edges and
      is skipped.

    A mismatch stops with a :class:`ValueError` naming the config key
    (``model.<module path>.num_classes``), both numbers and the dataset, before the
    first iteration. Datasets without ``classes`` (or ``num_keypoints``) in their
    metainfo are not checked.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        """Check the model against the training set."""
        self._check(runner, runner.train_dataloader.dataset)

    def before_val(self, runner) -> None:
        """Check the model against the validation set."""
        self._check(runner, runner.val_dataloader.dataset)

    def before_test(self, runner) -> None:
        """Check the model against the test set."""
        self._check(runner, runner.test_dataloader.dataset)

    @staticmethod
    def _check(runner, dataset) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        metainfo = getattr(dataset, 'metainfo', None) or {}
        expected = dict(
            num_classes=len(metainfo['classes'])
            if metainfo.get('classes') is not None else None,
            num_keypoints=metainfo.get('num_keypoints'))
        for key, number, name in _outputs(model):
            if expected[name] is not None and number != expected[name]:
                what = 'classes' if name == 'num_classes' else 'keypoints'
                raise ValueError(
                    f'model.{key} is {number}, but the dataset '
                    f'{type(dataset).__name__} has {expected[name]} {what}')


def _outputs(model: nn.Module) -> Iterator[Tuple[str, int, str]]:
    """Per output: its config key, its size and the metainfo it must match."""
    for path, module in model.named_modules():
        if isinstance(module, HTCorrMCore):
            if 'parsing' in module.encoders:
                yield f'{path}.num_classes', module.num_classes, 'num_classes'
            if 'pose' in module.encoders:
                yield (f'{path}.num_keypoints', module.num_keypoints, 'num_keypoints')
        elif isinstance(module, NPPNetwork):
            yield f'{path}.num_classes', module.num_classes, 'num_classes'
            yield (f'{path}.num_keypoints', module.num_keypoints, 'num_keypoints')
        elif isinstance(module, BaseDecodeHead):
            core = getattr(module, 'core', None)
            if not (isinstance(core, HTCorrMCore) and core.main == 'edge'):
                yield f'{path}.num_classes', module.num_classes, 'num_classes'

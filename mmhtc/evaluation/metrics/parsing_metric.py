"""Human parsing scores as the papers report them."""
from typing import Dict, Sequence

import numpy as np
from mmseg.evaluation.metrics import IoUMetric

from ...registry import POSE_METRICS, SEG_METRICS, register_into
from ..functional import f_measure


@register_into(SEG_METRICS, POSE_METRICS)
class HumanParsingMetric(IoUMetric):
    """Mmseg's ``IoUMetric`` with the human-parsing columns of the papers.

    Besides mmseg's pixel accuracy (``aAcc``), mean accuracy (``mAcc``) and mIoU
    (HTCorrM Tab. 2 and 4, NPPNet Tab. 1), it reports:

    - ``IoU.<class>``: the per-class IoU, in the dataset's class order (the order of
      the papers' tables);
    - ATR's set (HTCorrM Tab. 3, after Co-CNN), as PaperDoll's evaluation code
      (Yamaguchi et al., used by ATR, Co-CNN and TGPNet) computes it from the
      dataset's confusion matrix: accuracy = ``aAcc``; foreground accuracy
      ``fgAcc`` = correctly labelled pixels of the non-background ground truth /
      those pixels; average precision ``mPrecision``, recall ``mRecall`` and F-1
      ``mFscore``, the means of the per-class precision (intersection /
      predicted area), recall (intersection / labelled area) and F-1 (2 x
      intersection / (predicted + labelled area)) over the classes where each is
      defined: precision over the predicted classes, recall over the labelled
      classes, F-1 over the classes predicted or labelled (a class predicted but
      never labelled has precision and F-1 0 and no recall; one labelled but never
      predicted has recall and F-1 0 and no precision).

    All in percent, computed on labels at the original image resolution.

    Args:
        background_index: The class that is not foreground. Default: 0.
        **kwargs: Arguments of ``IoUMetric``; ``iou_metrics`` defaults to mIoU and
            the F-score set.
    """

    def __init__(self, background_index: int = 0, **kwargs) -> None:
        kwargs.setdefault('iou_metrics', ['mIoU', 'mFscore'])
        super().__init__(**kwargs)
        self.background_index = background_index

    def compute_metrics(self, results: Sequence) -> Dict[str, float]:
        """Mmseg's metrics with PaperDoll's averages, plus ``fgAcc`` and
        ``IoU.<class>``."""
        metrics = super().compute_metrics(results)
        intersect, union, pred, label = (
            sum(parts).cpu().numpy().astype(np.float64) for parts in zip(*results))
        precision = intersect / np.maximum(pred, 1)
        recall = intersect / np.maximum(label, 1)
        fscore = f_measure(recall, precision)
        for key, values, defined in (('mPrecision', precision, pred
                                      > 0), ('mRecall', recall, label
                                             > 0), ('mFscore', fscore, union > 0)):
            if key in metrics and defined.any():
                metrics[key] = float(np.round(100 * values[defined].mean(), 2))
        foreground = np.arange(len(label)) != self.background_index
        metrics['fgAcc'] = float(
            np.round(
                100 * intersect[foreground].sum() / max(label[foreground].sum(), 1), 2))
        with np.errstate(divide='ignore', invalid='ignore'):
            iou = intersect / union
        for name, value in zip(self.dataset_meta['classes'], iou):
            metrics[f'IoU.{name}'] = float(np.round(100 * value, 2))
        return metrics

"""LIP's PCKh as a registered metric."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from prettytable import PrettyTable

from ...registry import POSE_METRICS, SEG_METRICS, register_into
from ..functional.pckh import LIP_PARTS, LIP_PROTOCOLS, first_person, lip_pckh


@register_into(SEG_METRICS, POSE_METRICS)
class LIPPCKhMetric(BaseMetric):
    """PCKh@``thr`` with LIP's head size and joint set (NPPNet Tab. 2 columns).

    See :func:`mmhtc.evaluation.functional.pckh.lip_pckh` for the definition: a
    joint is correct at ``|pred - gt| / head_size <= thr`` (ties correct). Each
    data sample needs ``pred_instances.keypoints`` (1, 16, 2) and
    ``gt_instances.keypoints`` / ``keypoints_visible`` in the same (original
    image) coordinates: mmpose's top-down predictions, or mmhtc's
    ``HumanEncoderDecoder`` on LIP's single-person images. A sample without a
    predicted person misses every joint.

    Args:
        thr: Threshold as a fraction of the head size. Default: 0.5.
        protocol: ``'pckh'`` (the predictions as given) or ``'nppnet'`` (NPPNet's
            ``utils/calc_pckh.py``: negative predicted coordinates set to 1
            first; the protocol of the LIP configs). Default: ``'pckh'``.
        collect_device, prefix: As mmengine's ``BaseMetric``.
    """

    default_prefix: Optional[str] = 'lip'

    def __init__(self,
                 thr: float = 0.5,
                 protocol: str = 'pckh',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if protocol not in LIP_PROTOCOLS:
            raise ValueError(f'{type(self).__name__}: protocol {protocol!r} is '
                             f'not one of {LIP_PROTOCOLS}')
        self.thr = thr
        self.protocol = protocol

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the first person's predicted and annotated joints per sample (no
        predicted person: every joint missed)."""
        for sample in data_samples:
            gt = sample['gt_instances']
            gt_keypoints = np.asarray(gt['keypoints'])[0, :, :2]
            self.results.append((first_person(sample['pred_instances']['keypoints'],
                                              len(gt_keypoints)), gt_keypoints,
                                 np.asarray(gt['keypoints_visible'])[0]))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        """PCKh per part and Mean, in percent."""
        pred, gt, visible = (np.stack(r) for r in zip(*results))
        scores = lip_pckh(pred, gt, visible, self.thr, self.protocol)
        table = PrettyTable(list(LIP_PARTS) + ['Mean'])
        table.add_row([f'{scores[k]:.2f}' for k in list(LIP_PARTS) + ['Mean']])
        MMLogger.get_current_instance().info(
            f'LIP PCKh@{self.thr} ({self.protocol}):\n' + table.get_string())
        return {f'PCKh_{k}' if k != 'Mean' else 'PCKh': v for k, v in scores.items()}

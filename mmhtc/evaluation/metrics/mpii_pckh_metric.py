"""MPII's PCKh with the annotated head boxes as a registered metric."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from prettytable import PrettyTable

from ...registry import POSE_METRICS, SEG_METRICS, register_into
from ..functional.pckh import LIP_PARTS, first_person, mpii_pckh


@register_into(SEG_METRICS, POSE_METRICS)
class MPIIPCKhMetric(BaseMetric):
    """PCKh@``thr`` on MPII, normalised by the head boxes (HTCorrM Tab. 5 columns).

    See :func:`mmhtc.evaluation.functional.pckh.mpii_pckh`. Each data sample needs
    ``pred_instances.keypoints`` (1, 16, 2) and ``gt_instances.keypoints``,
    ``keypoints_visible`` and ``head_size`` (0.6 x head box diagonal, as
    ``MpiiDataset`` reads it from ``mpii_gt_val.mat``). Predictions and ground truth
    are compared in the frame of the annotation file, which is the frame the model
    learns. Unlike mmpose's ``MpiiPCKAccuracy`` it does not add 1 pixel to the
    predictions (mmpose 1.x no longer subtracts it from the ground truth), counts
    a joint at exactly the threshold as correct, and ``Head`` can pool both head
    joints.

    Args:
        thr: Threshold as a fraction of the head size. Default: 0.5.
        head_joints: The joints of the ``Head`` column: (8, 9) as MPII's official
            table, (9, ) as the Newell et al. / HRNet validation script.
            Default: (8, 9).
        collect_device, prefix: As mmengine's ``BaseMetric``.
    """

    default_prefix: Optional[str] = 'mpii'

    def __init__(self,
                 thr: float = 0.5,
                 head_joints: Sequence[int] = (8, 9),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thr = thr
        self.head_joints = tuple(head_joints)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the predicted and annotated joints and the head size."""
        for sample in data_samples:
            gt = sample['gt_instances']
            if 'head_size' not in gt:
                raise KeyError(
                    f'{type(self).__name__}: gt_instances of '
                    f"{sample.get('img_path', 'a sample')} has no 'head_size'; "
                    "give the dataset headbox_file='.../mpii_gt_val.mat'")
            visible = np.asarray(gt['keypoints_visible'])[0]
            gt_keypoints = np.asarray(gt['keypoints'])[0, :, :2]
            self.results.append((first_person(sample['pred_instances']['keypoints'],
                                              len(gt_keypoints)), gt_keypoints,
                                 visible.reshape(visible.shape[0]),
                                 float(np.asarray(gt['head_size']).reshape(-1)[0])))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        """PCKh per part and Mean, in percent."""
        pred, gt, visible, head = (np.stack(r) for r in zip(*results))
        scores = mpii_pckh(pred, gt, visible, head, self.thr, self.head_joints)
        columns = list(LIP_PARTS) + ['Mean']
        table = PrettyTable(columns)
        table.add_row([f'{scores[k]:.2f}' for k in columns])
        MMLogger.get_current_instance().info(f'MPII PCKh@{self.thr}:\n' +
                                             table.get_string())
        return {f'PCKh_{k}' if k != 'Mean' else 'PCKh': v for k, v in scores.items()}

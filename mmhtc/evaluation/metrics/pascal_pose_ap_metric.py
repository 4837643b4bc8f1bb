"""PASCAL-Person-Part's multi-person pose mAP as a registered metric."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from prettytable import PrettyTable

from ...registry import POSE_METRICS, SEG_METRICS, register_into
from ..functional.joint_ap import (LSP_HEAD_TOP, LSP_NECK, LSP_PARTS, joint_ap,
                                   lsp_part_ap)
from ..functional.oks_ap import oks_joint_ap

PROTOCOLS = ('nppnet', 'mpii')


@register_into(SEG_METRICS, POSE_METRICS)
class PascalPersonPartAPMetric(BaseMetric):
    """Per-joint AP and mAP of multi-person poses (NPPNet Tab. 4 columns).

    Two protocols:

    - ``'nppnet'``: the NPPNet authors' (their ``core/mAP.py``), with which Tab. 4's
      NPPNet row was scored: per-joint keypoint similarity with the release's
      sigmas, each ground-truth person matched to its most similar prediction,
      the fraction of correct joints averaged over thresholds 0.50:0.05:0.95
      (:func:`mmhtc.evaluation.functional.oks_ap.oks_joint_ap`). Needs
      ``gt_instances.bboxes``, the persons' annotated boxes, whose areas scale
      the similarity. ``thr`` and the scores are not used.
    - ``'mpii'``: MPII's multi-person AP (``evaluateAP.m``, the per-joint AP of
      DeepCut / DeeperCut, the protocol of Xia et al.'s rows;
      :func:`mmhtc.evaluation.functional.joint_ap.joint_ap`) at ``thr`` times
      each ground-truth person's reference distance: ``gt_instances.head_size``
      when the samples have it (MPII: 0.6 x head box diagonal), otherwise the
      distance between its neck and head top (joints 12 and 13 in LSP order, the
      PCKh head size of LIP). Ground-truth persons without a reference distance
      (a head joint not annotated) or without annotated joints are left out.

    Each data sample needs ``pred_instances.keypoints`` (P, 14, 2) and
    ``keypoint_scores`` (P, 14), any number P >= 0 of persons, and
    ``gt_instances.keypoints`` (G, 14, 2) / ``keypoints_visible`` (G, 14) in the
    same (original image) coordinates, joints in LSP order.

    Args:
        protocol: ``'nppnet'`` or ``'mpii'``. Default: ``'mpii'``.
        thr: The ``'mpii'`` threshold as a fraction of the reference distance.
            Default: 0.5.
        collect_device, prefix: As mmengine's ``BaseMetric``.
    """

    default_prefix: Optional[str] = 'pascal'

    def __init__(self,
                 protocol: str = 'mpii',
                 thr: float = 0.5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if protocol not in PROTOCOLS:
            raise ValueError(f'{type(self).__name__}: protocol {protocol!r} is '
                             f'not one of {PROTOCOLS}')
        self.protocol = protocol
        self.thr = thr

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the predicted persons and the ground-truth persons with what the
        protocol needs: reference distances (``'mpii'``) or boxes
        (``'nppnet'``)."""
        for sample in data_samples:
            pred, gt = sample['pred_instances'], sample['gt_instances']
            where = sample.get('img_path', '(no img_path)')
            needed = (('keypoints_visible', gt), ('bboxes',
                                                  gt) if self.protocol == 'nppnet' else
                      ('keypoint_scores', pred))
            for key, group in needed:
                if key not in group:
                    raise KeyError(f'{type(self).__name__}: no {key!r} in the '
                                   f'sample of {where}')
            kpts = np.asarray(gt['keypoints'], dtype=np.float64)[..., :2]
            visible = np.asarray(gt['keypoints_visible']).reshape(kpts.shape[:2]) > 0
            pred_kpts = np.asarray(pred['keypoints'], dtype=np.float64)
            if pred_kpts.shape[1:2] != kpts.shape[1:2]:
                raise ValueError(
                    f'{type(self).__name__}: {pred_kpts.shape[1]} predicted '
                    f'but {kpts.shape[1]} annotated joints per person in the '
                    f'sample of {where}')
            pred_kpts = pred_kpts[..., :2]
            if self.protocol == 'nppnet':
                boxes = np.asarray(gt['bboxes'], dtype=np.float64)
                self.results.append(
                    (pred_kpts, kpts, visible, boxes.reshape(len(kpts), 4)))
                continue
            if 'head_size' in gt:
                ref = np.asarray(gt['head_size'], dtype=np.float64).reshape(-1)
            else:
                ref = np.linalg.norm(kpts[:, LSP_HEAD_TOP] - kpts[:, LSP_NECK], axis=-1)
                ref[~(visible[:, LSP_HEAD_TOP] & visible[:, LSP_NECK])] = 0
            keep = (ref > 0) & visible.any(axis=1)
            self.results.append(
                (pred_kpts, np.asarray(pred['keypoint_scores'],
                                       dtype=np.float64).reshape(pred_kpts.shape[:2]),
                 kpts[keep], visible[keep], ref[keep]))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        """AP per part and mAP, in percent."""
        if self.protocol == 'nppnet':
            aps = oks_joint_ap(*zip(*results))
            title = 'keypoint similarity, NPPNet release'
        else:
            aps = joint_ap(*zip(*results), thr=self.thr)
            title = f'MPII multi-person AP, threshold {self.thr}'
        table = lsp_part_ap(aps)
        columns = list(LSP_PARTS) + ['mAP']
        pretty = PrettyTable(columns)
        pretty.add_row([f'{table[k]:.2f}' for k in columns])
        MMLogger.get_current_instance().info(f'Multi-person pose AP ({title}):\n' +
                                             pretty.get_string())
        return {k if k == 'mAP' else f'AP_{k}': v for k, v in table.items()}

"""Human edge detection metric: ODS, OIS and AP of the BSDS protocol."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from ...registry import POSE_METRICS, SEG_METRICS, register_into
from ..functional import edge_counts, edge_scores, edge_thresholds


@register_into(SEG_METRICS, POSE_METRICS)
class EdgeMetric(BaseMetric):
    """BSDS boundary benchmark of predicted edge probability maps.

    Each image is scored at every threshold with
    :func:`mmhtc.evaluation.functional.edge_counts` (binarise, thin, match
    one-to-one to the thinned GT edge pixels within ``max_dist`` of the image
    diagonal); the dataset scores come from
    :func:`mmhtc.evaluation.functional.edge_scores`. Only the per-image counts
    (T, 4) are kept between ``process`` and ``compute_metrics``.

    Each data sample must hold, at the same size:

    - ``pred_edge_map['data']``: edge probabilities in [0, 1], (1, H, W).
    - ``gt_edge_map['data']``: GT edges, (1, H, W), 0 background, 1 edge,
      ``ignore_index`` ignored (neither an edge nor counted).

    The metrics ``ODS``, ``OIS`` and ``AP`` are reported in percent rounded to
    two decimals, as mmseg's ``IoUMetric``.

    Args:
        thresholds (int | Sequence[float]): Number of thresholds (BSDS: 99,
            evenly spaced in (0, 1)) or the thresholds. Defaults to 99.
        max_dist (float): The matching tolerance as a fraction of the image
            diagonal. Defaults to 0.0075.
        thin (bool): Whether to thin the binarised predictions.
            Defaults to True.
        thin_gt (bool): Whether to thin the GT edges, which are two pixels
            wide when made from parsing labels. Defaults to True.
        ignore_index (int): GT value of ignored pixels. Defaults to 255.
        collect_device (str): Device name used for collecting results from
            different ranks during distributed training. Must be 'cpu' or
            'gpu'. Defaults to 'cpu'.
        prefix (str, optional): The prefix that will be added in the metric
            names to disambiguate homonymous metrics of different evaluators.
            If prefix is not provided in the argument, self.default_prefix
            will be used instead. Defaults to None.
    """

    def __init__(self,
                 thresholds: Union[int, Sequence[float]] = 99,
                 max_dist: float = 0.0075,
                 thin: bool = True,
                 thin_gt: bool = True,
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thresholds = edge_thresholds(thresholds)
        self.max_dist = max_dist
        self.thin = thin
        self.thin_gt = thin_gt
        self.ignore_index = ignore_index

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store the BSDS counts of each image of a batch.

        Args:
            data_batch (dict): A batch of data from the dataloader.
            data_samples (Sequence[dict]): A batch of outputs from the model,
                each with ``gt_edge_map`` and the edge probabilities in
                ``pred_edge_map``, or, for an mmseg segmentor with one output
                channel (edge as the main task), in ``seg_logits`` (mmseg stores
                the sigmoid there).

        Raises:
            ValueError: If the prediction and GT sizes of an image differ.
        """
        for data_sample in data_samples:
            pred = self._prediction(data_sample)
            gt = data_sample['gt_edge_map']['data'].squeeze(0)
            if pred.shape != gt.shape:
                raise ValueError(f'EdgeMetric: the predicted edge map of '
                                 f'{data_sample.get("img_path")} has size '
                                 f'{tuple(pred.shape)}, its ground truth '
                                 f'{tuple(gt.shape)}; resize the prediction to the '
                                 'ground truth first')
            self.results.append(
                edge_counts(
                    pred.float().cpu().numpy(),
                    gt.cpu().numpy(),
                    thresholds=self.thresholds,
                    max_dist=self.max_dist,
                    thin=self.thin,
                    ignore_index=self.ignore_index,
                    thin_gt=self.thin_gt))

    @staticmethod
    def _prediction(data_sample: dict):
        if 'pred_edge_map' in data_sample:
            return data_sample['pred_edge_map']['data'].squeeze(0)
        logits = data_sample.get('seg_logits', {}).get('data')
        if logits is None or logits.shape[0] != 1:
            raise ValueError(f'EdgeMetric: {data_sample.get("img_path")} has neither '
                             '"pred_edge_map" nor one-channel "seg_logits"')
        return logits[0]

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        """Compute ODS, OIS and AP from the counts of all images.

        Args:
            results (list[np.ndarray]): The counts (T, 4) of each image.

        Returns:
            Dict[str, float]: ``ODS``, ``OIS`` and ``AP`` in percent.
        """
        logger: MMLogger = MMLogger.get_current_instance()
        scores = edge_scores(np.stack(results), self.thresholds)
        metrics = OrderedDict((key, float(np.round(scores[key] * 100, 2)))
                              for key in ('ODS', 'OIS', 'AP'))

        table = PrettyTable()
        for key, value in metrics.items():
            table.add_column(key, [value])
        table.add_column('ODS threshold', [round(scores['ODS_threshold'], 3)])
        print_log(f'Edge results of {len(results)} images:\n' + table.get_string(),
                  logger)
        return dict(metrics)

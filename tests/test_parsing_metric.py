"""HumanParsingMetric: mmseg's IoUMetric numbers plus hand-computed ATR columns."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.evaluation.metrics import IoUMetric
from mmseg.structures import SegDataSample

from mmhtc.evaluation import HumanParsingMetric

CLASSES = ('Background', 'Arm', 'Leg')


def sample(pred, gt) -> dict:
    data = SegDataSample()
    data.pred_sem_seg = PixelData(data=torch.tensor(pred)[None])
    data.gt_sem_seg = PixelData(data=torch.tensor(gt)[None])
    return data.to_dict()


def evaluate(metric, samples):
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_hand_computed_atr_columns():
    gt = [[0, 0, 1, 1], [0, 2, 2, 255]]
    pred = [[0, 1, 1, 1], [2, 2, 0, 0]]
    metrics = evaluate(HumanParsingMetric(), [sample(pred, gt)])
    # 7 labelled pixels; correct: (0,0), (0,2), (0,3), (1,1) -> 4/7
    assert metrics['aAcc'] == pytest.approx(100 * 4 / 7, abs=0.01)
    # foreground labels: (0,2), (0,3) arm, (1,1), (1,2) leg; correct 3 of 4
    assert metrics['fgAcc'] == pytest.approx(75.0)
    # background: I=1, pred=2, label=3; arm: I=2, pred=3, label=2;
    # leg: I=1, pred=2, label=2
    precision = np.array([1 / 2, 2 / 3, 1 / 2])
    recall = np.array([1 / 3, 1, 1 / 2])
    fscore = 2 * precision * recall / (precision + recall)
    assert metrics['mPrecision'] == pytest.approx(100 * precision.mean(),
                                                  abs=0.01)
    assert metrics['mRecall'] == pytest.approx(100 * recall.mean(), abs=0.01)
    assert metrics['mFscore'] == pytest.approx(100 * fscore.mean(), abs=0.01)
    assert metrics['IoU.Arm'] == pytest.approx(100 * 2 / 3, abs=0.01)
    assert metrics['IoU.Background'] == pytest.approx(25.0)


def test_equals_mmseg_iou_metric():
    rng = np.random.default_rng(0)
    samples = [
        sample(
            rng.integers(0, 3, (8, 9)).tolist(),
            rng.choice([0, 1, 2, 255], (8, 9)).tolist()) for _ in range(4)
    ]
    ours = evaluate(HumanParsingMetric(), samples)
    reference = evaluate(IoUMetric(iou_metrics=['mIoU', 'mFscore']), samples)
    for key, value in reference.items():
        assert ours[key] == value


def test_missed_classes_count_as_zero_in_atr_averages():
    """Leg is labelled but predicted as Arm, which is not in the ground truth:
    both have precision, recall and F-1 0 and stay in the averages (mmseg's
    own mFscore drops them, reading 100 here)."""
    gt = [[0, 0, 2, 2, 0]]
    pred = [[0, 0, 1, 1, 0]]
    metrics = evaluate(HumanParsingMetric(), [sample(pred, gt)])
    assert metrics['aAcc'] == pytest.approx(60.0)
    assert metrics['mIoU'] == pytest.approx(100 / 3, abs=0.01)
    assert metrics['mPrecision'] == pytest.approx(100 / 3, abs=0.01)
    assert metrics['mRecall'] == pytest.approx(100 / 3, abs=0.01)
    assert metrics['mFscore'] == pytest.approx(100 / 3, abs=0.01)

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
    assert metrics['mPrecision'] == pytest.approx(100 * precision.mean(), abs=0.01)
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


def paperdoll_averages(pred, gt, num_classes):
    """PaperDoll's average precision, recall and F-1 (its ``aggregate_evaluations``):

    the dataset's confusion matrix, per-class values 0/0 = NaN, and each mean over the
    non-NaN classes.
    """
    confusion = np.zeros((num_classes, num_classes))
    for p, g in zip(pred, gt):
        np.add.at(confusion, (np.ravel(g), np.ravel(p)), 1)
    diag = np.diag(confusion)
    with np.errstate(invalid='ignore'):
        precision = diag / confusion.sum(axis=0)
        recall = diag / confusion.sum(axis=1)
        f1 = 2 * diag / (confusion.sum(axis=0) + confusion.sum(axis=1))
    return tuple(100 * v[~np.isnan(v)].mean() for v in (precision, recall, f1))


@pytest.mark.parametrize(
    'pred, gt',
    [
        # all background predicted: only background has a precision
        ([[0, 0, 0, 0, 0]], [[0, 0, 2, 2, 1]]),
        # Arm predicted, never labelled: precision 0, no recall
        ([[0, 0, 1, 1, 0]], [[0, 0, 2, 2, 0]]),
        # Leg neither predicted nor labelled: in no average
        ([[0, 1, 1, 0], [1, 1, 0, 0]], [[0, 1, 0, 0], [1, 1, 1, 0]]),
    ],
    ids=['all-background', 'predicted-not-labelled', 'absent-class'])
def test_atr_averages_equal_paperdoll(pred, gt):
    metrics = evaluate(HumanParsingMetric(), [sample(pred, gt)])
    precision, recall, f1 = paperdoll_averages([pred], [gt], len(CLASSES))
    assert metrics['mPrecision'] == pytest.approx(precision, abs=0.005)
    assert metrics['mRecall'] == pytest.approx(recall, abs=0.005)
    assert metrics['mFscore'] == pytest.approx(f1, abs=0.005)


def test_atr_averages_hand_computed():
    """Leg labelled, predicted as Arm (never labelled): precision over the predicted
    classes (Background 1, Arm 0), recall over the labelled ones (Background 1, Leg 0),
    F-1 over both (1, 0, 0)."""
    gt = [[0, 0, 2, 2, 0]]
    pred = [[0, 0, 1, 1, 0]]
    metrics = evaluate(HumanParsingMetric(), [sample(pred, gt)])
    assert metrics['aAcc'] == pytest.approx(60.0)
    assert metrics['fgAcc'] == 0.0
    assert metrics['mIoU'] == pytest.approx(100 / 3, abs=0.01)
    assert metrics['mPrecision'] == 50.0
    assert metrics['mRecall'] == 50.0
    assert metrics['mFscore'] == pytest.approx(100 / 3, abs=0.01)


def test_all_background_prediction():
    """Only Background is predicted (5 pixels, 2 of them labelled so):

    PaperDoll's average precision is Background's alone, 2/5; recall and F-1 average
    Background (1, 2 x 2 / (5 + 2)) with the missed Arm and Leg (0).
    """
    metrics = evaluate(HumanParsingMetric(),
                       [sample([[0, 0, 0, 0, 0]], [[0, 0, 2, 2, 1]])])
    assert metrics['mPrecision'] == 40.0
    assert metrics['mRecall'] == pytest.approx(100 / 3, abs=0.01)
    assert metrics['mFscore'] == pytest.approx(100 * 4 / 21, abs=0.01)

"""LIP PCKh: hand-computed cases and the real LIP val pose CSV."""
import os.path as osp

import numpy as np
import pytest

from mmhtc.datasets.pose_annotations import read_lip_pose_csv
from mmhtc.evaluation import LIPPCKhMetric
from mmhtc.evaluation.functional import LIP_MEAN_JOINTS, lip_pckh


def person(head: float = 10.0) -> np.ndarray:
    """A pose whose upper neck (8) and head top (9) are ``head`` apart."""
    kpts = np.tile(np.arange(16, dtype=np.float32)[:, None] * 5, (1, 2))
    kpts[8] = (50, 50)
    kpts[9] = (50, 50 - head)
    return kpts


def test_hand_computed_case():
    gt = np.stack([person(10), person(20)])
    visible = np.ones((2, 16))
    pred = gt.copy()
    pred[0, 10, 0] += 4.0   # r_wrist, 0.4 head: correct
    pred[0, 15, 0] += 6.0   # l_wrist, 0.6 head: wrong
    pred[1, 0, 1] += 11.0   # r_ankle, 0.55 head: wrong
    pred[1, 6, 0] += 100.0  # pelvis: not in any column
    visible[1, 5] = 0       # l_ankle not annotated
    scores = lip_pckh(pred, gt, visible)
    assert scores['Wrist'] == pytest.approx(75.0)
    # r_ankle 1 of 2, l_ankle 1 of 1: the mean of 50 and 100
    assert scores['Ankle'] == pytest.approx(75.0)
    assert scores['Head'] == scores['Knee'] == 100.0
    # 27 annotated mean joints, 2 wrong
    assert scores['Mean'] == pytest.approx(100 * 25 / 27)


def test_person_without_head_joints_is_left_out():
    gt = np.stack([person(), person()])
    visible = np.ones((2, 16))
    visible[1, 9] = 0
    pred = gt.copy()
    pred[1] += 100
    assert lip_pckh(pred, gt, visible)['Mean'] == 100.0


@pytest.fixture(scope='module')
def lip_val(shared_data):
    poses = read_lip_pose_csv(
        osp.join(shared_data, 'lip', 'TrainVal_pose_annotations',
                 'lip_val_set_full.csv'))
    assert len(poses) == 10000
    gt = np.concatenate([p[0] for p in poses.values()])
    visible = np.concatenate([p[1] for p in poses.values()])
    return gt, visible


def test_real_val_csv_against_itself(lip_val):
    gt, visible = lip_val
    assert all(v == 100.0 for v in lip_pckh(gt, gt, visible).values())


def test_real_val_csv_with_known_offsets(lip_val):
    gt, visible = lip_val
    head = np.linalg.norm(gt[:, 9] - gt[:, 8], axis=-1)
    direction = np.array([0.6, 0.8], np.float32)
    # even persons: every joint moved by 0.6 head sizes (wrong); odd: 0.3 (right)
    factor = np.where(np.arange(len(gt)) % 2 == 0, 0.6, 0.3)
    pred = gt + (factor * head)[:, None, None] * direction
    scores = lip_pckh(pred, gt, visible)
    has_head = (visible[:, 8] > 0) & (visible[:, 9] > 0) & (head > 0)
    counted = visible[has_head][:, list(LIP_MEAN_JOINTS)].sum(1)
    odd = (np.arange(len(gt)) % 2 == 1)[has_head]
    expected = 100 * counted[odd].sum() / counted.sum()
    assert scores['Mean'] == pytest.approx(expected, abs=1e-6)
    assert 40 < expected < 60


def test_metric_end_to_end():
    metric = LIPPCKhMetric()
    gt = person(10)
    pred = gt.copy()
    pred[10, 0] += 6.0
    metric.process({}, [
        dict(
            pred_instances=dict(keypoints=pred[None]),
            gt_instances=dict(
                keypoints=gt[None], keypoints_visible=np.ones((1, 16))))
    ])
    results = metric.evaluate(1)
    assert results['lip/PCKh_Wrist'] == pytest.approx(50.0)
    assert results['lip/PCKh'] == pytest.approx(100 * 13 / 14)


def test_sample_without_predicted_person_misses_every_joint():
    metric = LIPPCKhMetric()
    gt = person(10)
    annotation = dict(keypoints=gt[None], keypoints_visible=np.ones((1, 16)))
    metric.process({}, [
        dict(pred_instances=dict(keypoints=gt[None]), gt_instances=annotation),
        dict(pred_instances=dict(keypoints=np.zeros((0, 16, 2))),
             gt_instances=annotation)
    ])
    results = metric.evaluate(2)
    assert results['lip/PCKh'] == pytest.approx(50.0)
    assert results['lip/PCKh_Head'] == pytest.approx(50.0)

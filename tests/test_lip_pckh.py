"""LIP PCKh: hand-computed cases and the real LIP val pose CSV."""
import os.path as osp

import numpy as np
import pytest

from mmhtc.datasets.pose_annotations import read_lip_pose_csv
from mmhtc.evaluation import LIPPCKhMetric
from mmhtc.evaluation.functional import LIP_MEAN_JOINTS, LIP_PARTS, lip_pckh


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
    pred[0, 10, 0] += 4.0  # r_wrist, 0.4 head: correct
    pred[0, 15, 0] += 6.0  # l_wrist, 0.6 head: wrong
    pred[1, 0, 1] += 11.0  # r_ankle, 0.55 head: wrong
    pred[1, 6, 0] += 100.0  # pelvis: not in any column
    visible[1, 5] = 0  # l_ankle not annotated
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
            gt_instances=dict(keypoints=gt[None], keypoints_visible=np.ones((1, 16))))
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
        dict(
            pred_instances=dict(keypoints=np.zeros((0, 16, 2))),
            gt_instances=annotation)
    ])
    results = metric.evaluate(2)
    assert results['lip/PCKh'] == pytest.approx(50.0)
    assert results['lip/PCKh_Head'] == pytest.approx(50.0)


def calc_pckh_reference(pred, gt, annotated, thr=0.5):
    """A transcription of NPPNet's ``utils/calc_pckh.py`` arithmetic: the CSV.

    readers' NaN -> -1 and, for predictions, every value < 0 -> 1; head size
    |gt9 - gt8|, 0 where a head joint's x < 0; a joint counts where the person
    has a head size and its ground truth has x, y >= 0; correct at dist <= thr.
    """
    gt = np.where(annotated[..., None] > 0, gt, -1.0).astype(np.float64)
    pred = np.array(pred, dtype=np.float64)
    pred[np.isnan(pred)] = -1
    pred[pred < 0] = 1
    dist = np.full(gt.shape[:2], -1.0)
    for n in range(len(gt)):
        ref = np.linalg.norm(gt[n, 9] - gt[n, 8])
        if gt[n, 8, 0] < 0 or gt[n, 9, 0] < 0 or ref == 0:
            continue
        dist[n] = np.linalg.norm(gt[n] - pred[n], axis=1) / ref
        dist[n, (gt[n, :, 0] < 0) | (gt[n, :, 1] < 0)] = -1
    pck = [100 * np.mean(dist[:, p][dist[:, p] >= 0] <= thr) for p in range(16)]
    pooled = dist[:, list(LIP_MEAN_JOINTS)]
    table = {part: (pck[a] + pck[b]) / 2 for part, (a, b) in LIP_PARTS.items()}
    table['Mean'] = 100 * np.mean(pooled[pooled >= 0] <= thr)
    return table


def test_negative_predicted_coordinates():
    """NPPNet's reader sets negative predicted coordinates to 1: a prediction 7 px left
    of the image for a joint at x = 1 (0.7 head sizes off) scores as a hit there, a miss
    in plain PCKh; one 4 px left stays a hit in both."""
    gt = person(10)
    gt[0] = (1, 60)  # r_ankle at the left border
    gt[5] = (2, 70)  # l_ankle
    pred = gt.copy()
    pred[0, 0] = -6.0  # 7 px off; clipped to x = 1: exact
    pred[5, 0] = -2.0  # 4 px off; clipped to x = 1: 1 px off
    visible = np.ones((1, 16))
    plain = lip_pckh(pred[None], gt[None], visible)
    nppnet = lip_pckh(pred[None], gt[None], visible, protocol='nppnet')
    assert plain['Ankle'] == 50.0
    assert nppnet['Ankle'] == 100.0
    assert nppnet == pytest.approx(calc_pckh_reference(pred[None], gt[None], visible))


def test_exact_ties_are_correct_as_in_the_references():
    """Joints exactly half a head size off (offset = half the head vector, exact in
    float64) are correct under ``<=``, also with float32 ground truth as the dataset
    stores it and head sizes that float32 cannot represent."""
    rng = np.random.default_rng(5)
    gt = np.stack([person() for _ in range(50)])
    gt[:, 8] = (100, 100)
    gt[:, 9] = gt[:, 8] - 2 * rng.integers(1, 40, (50, 2))
    half = (gt[:, 8] - gt[:, 9]) / 2
    pred = gt + half[:, None]  # every joint exactly 0.5 head sizes off
    visible = np.ones((50, 16))
    scores = lip_pckh(pred, gt.astype(np.float32), visible)
    assert all(v == 100.0 for v in scores.values())
    assert scores == calc_pckh_reference(pred, gt, visible)
    metric = LIPPCKhMetric(protocol='nppnet')
    metric.process({}, [
        dict(
            pred_instances=dict(keypoints=p[None]),
            gt_instances=dict(
                keypoints=g[None].astype(np.float32),
                keypoints_visible=np.ones((1, 16)))) for p, g in zip(pred, gt)
    ])
    assert metric.evaluate(50)['lip/PCKh'] == 100.0


def test_equals_the_nppnet_script_on_noisy_real_poses(lip_val):
    """The real val ground truth with noisy predictions, some pushed off the
    image: the 'nppnet' protocol equals the transcription of the script."""
    gt, visible = lip_val
    gt, visible = gt[:2000], visible[:2000]
    rng = np.random.default_rng(6)
    head = np.linalg.norm(gt[:, 9] - gt[:, 8], axis=-1)
    pred = gt + rng.normal(0, 0.3, gt.shape) * head[:, None, None] - 3
    pred = np.round(pred)  # integer pixels, as heatmap argmaxes give
    ours = lip_pckh(pred, gt, visible, protocol='nppnet')
    reference = calc_pckh_reference(pred, gt, visible)
    assert ours == pytest.approx(reference, abs=1e-9)
    assert lip_pckh(pred, gt, visible)['Mean'] != reference['Mean']


def test_unknown_protocol_is_named():
    with pytest.raises(ValueError, match="LIPPCKhMetric.*'lsp'"):
        LIPPCKhMetric(protocol='lsp')


def test_lip_configs_use_the_nppnet_protocol():
    from mmengine.config import Config
    repo = osp.dirname(osp.dirname(osp.abspath(__file__)))
    for name in ('lip_pose.py', 'lip_nppnet.py'):
        cfg = Config.fromfile(osp.join(repo, 'configs', '_base_', 'datasets', name))
        evaluators = cfg.test_evaluator
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        lip = [e for e in evaluators if e['type'] == 'LIPPCKhMetric']
        assert [e['protocol'] for e in lip] == ['nppnet'], name

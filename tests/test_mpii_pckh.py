"""MPII PCKh with head boxes: hand-computed cases, agreement with mmpose's
``MpiiPCKAccuracy`` where the definitions agree, and where they differ."""
import glob
import json
import os.path as osp

import numpy as np
import pytest
from mmpose.evaluation.metrics import MpiiPCKAccuracy
from scipy.io import savemat

from mmhtc.evaluation import MPIIPCKhMetric
from mmhtc.evaluation.functional import mpii_head_size, mpii_pckh

COLUMNS = ('Head', 'Shoulder', 'Elbow', 'Wrist', 'Hip', 'Knee', 'Ankle')


def test_head_size_from_box():
    boxes = np.array([[10., 20., 40., 60.]])  # 30 x 40, diagonal 50
    np.testing.assert_allclose(mpii_head_size(boxes), [30.0])


def test_hand_computed_case():
    gt = np.zeros((2, 16, 2))
    visible = np.ones((2, 16))
    head = np.array([10.0, 20.0])
    pred = gt.copy()
    pred[0, 9, 0] = 5.0  # head top at exactly 0.5 head: correct (<=)
    pred[0, 8, 0] = 5.5  # upper neck 0.55 head: wrong
    pred[1, 10, 1] = 10.5  # r_wrist 0.525 head: wrong
    pred[1, 7, 0] = 99.0  # thorax: not in any column
    visible[1, 15] = 0  # l_wrist not annotated
    scores = mpii_pckh(pred, gt, visible, head)
    assert scores['Head'] == pytest.approx(75.0)
    # r_wrist 1 of 2, l_wrist 1 of 1: the mean of the two joints' PCKh
    assert scores['Wrist'] == pytest.approx(75.0)
    assert scores['Ankle'] == scores['Shoulder'] == 100.0
    # 27 annotated mean joints, 2 wrong
    assert scores['Mean'] == pytest.approx(100 * 25 / 27)
    assert mpii_pckh(pred, gt, visible, head, head_joints=(9, ))['Head'] == \
        100.0


def mmpose_scores(pred, gt, visible, head) -> dict:
    """Mmpose's MpiiPCKAccuracy on the same arrays."""
    metric = MpiiPCKAccuracy()
    metric.process(None, [
        dict(
            pred_instances=dict(keypoints=p[None]),
            gt_instances=dict(
                keypoints=g[None], keypoints_visible=v[None], head_size=np.array(
                    [[h]]))) for p, g, v, h in zip(pred, gt, visible, head)
    ])
    return metric.compute_metrics(metric.results)


def random_case(gt: np.ndarray, seed: int = 0):
    """Predictions at random offsets of up to about one head size."""
    rng = np.random.default_rng(seed)
    head = rng.uniform(20, 60, len(gt))
    pred = gt + rng.normal(0, 0.4, gt.shape) * head[:, None, None]
    visible = (rng.random(gt.shape[:2]) > 0.15).astype(np.float32)
    return pred, visible, head


def assert_agrees_with_mmpose(pred, gt, visible, head):
    """Equal where the definitions agree: mmpose's predictions shifted back by
    its +1 pixel, and its Head column (head top only)."""
    ours = mpii_pckh(pred, gt, visible, head, head_joints=(9, ))
    theirs = mmpose_scores(pred - 1.0, gt, visible, head)
    for column in COLUMNS:
        assert ours[column] == pytest.approx(
            float(theirs[f'{column} PCK']), abs=1e-4), column
    assert ours['Mean'] == pytest.approx(float(theirs['PCK']), abs=1e-4)
    return ours, theirs


def test_equals_mmpose_where_definitions_agree():
    rng = np.random.default_rng(1)
    gt = rng.uniform(0, 500, (300, 16, 2))
    ours, _ = assert_agrees_with_mmpose(gt, *random_case(gt))
    assert 20 < ours['Mean'] < 95  # a case with misses and hits


def test_differences_from_mmpose():
    gt = np.random.default_rng(2).uniform(0, 500, (4, 16, 2))
    visible = np.ones((4, 16))
    head = np.full(4, 2.0)  # threshold 1 px < the sqrt(2) px of mmpose's +1
    exact = mpii_pckh(gt, gt, visible, head)
    assert all(v == 100.0 for v in exact.values())
    mmpose_exact = mmpose_scores(gt, gt, visible, head)
    assert float(mmpose_exact['PCK']) == 0.0
    # a joint at exactly the threshold: correct here, wrong in mmpose (<)
    head = np.full(4, 10.0)
    pred = gt.copy()
    pred[:, 0, 0] += 5.0
    assert mpii_pckh(pred, gt, visible, head)['Ankle'] == 100.0
    assert float(mmpose_scores(pred - 1.0, gt, visible, head)['Ankle PCK']) \
        == 50.0


def test_metric_on_data_samples():
    gt = np.random.default_rng(3).uniform(0, 500, (40, 16, 2))
    pred, visible, head = random_case(gt, seed=3)
    metric = MPIIPCKhMetric(head_joints=(9, ))
    metric.dataset_meta = {}
    metric.process(None, [
        dict(
            pred_instances=dict(keypoints=p[None]),
            gt_instances=dict(
                keypoints=g[None],
                keypoints_visible=v[None, :, None],
                head_size=np.array([[h]])))
        for p, g, v, h in zip(pred, gt, visible, head)
    ])
    results = metric.evaluate(len(gt))
    expected = mpii_pckh(pred, gt, visible, head, head_joints=(9, ))
    assert results['mpii/PCKh'] == pytest.approx(expected['Mean'])
    assert results['mpii/PCKh_Head'] == pytest.approx(expected['Head'])


def test_metric_names_missing_head_size():
    sample = dict(
        img_path='a.jpg',
        pred_instances=dict(keypoints=np.zeros((1, 16, 2))),
        gt_instances=dict(
            keypoints=np.zeros((1, 16, 2)), keypoints_visible=np.ones((1, 16))))
    with pytest.raises(KeyError, match="a.jpg.*head_size.*headbox_file"):
        MPIIPCKhMetric().process(None, [sample])


def test_real_sample_through_the_dataset(shared_data, tmp_path):
    """The real MPII annotations read by MPIIHumanDataset with head boxes around the
    head joints (the sample has no mpii_gt_val.mat): the dataset's head_size feeds both
    metrics, which agree as above."""
    from mmhtc.datasets import MPIIHumanDataset
    ann_file = osp.join(shared_data, 'mpii', 'test_mpii.json')
    with open(ann_file) as f:
        joints = np.array([a['joints'] for a in json.load(f)])
    top_left = np.minimum(joints[:, 8], joints[:, 9])
    bottom_right = np.maximum(joints[:, 8], joints[:, 9])
    boxes = np.stack([top_left, bottom_right], axis=1)  # (N, 2, 2)
    headbox_file = str(tmp_path / 'mpii_gt_val.mat')
    savemat(headbox_file, dict(headboxes_src=boxes.transpose(1, 2, 0)))
    dataset = MPIIHumanDataset(
        ann_file=ann_file,
        headbox_file=headbox_file,
        data_prefix=dict(img=osp.join(shared_data, 'mpii')),
        test_mode=True,
        pipeline=[])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    gt = np.concatenate([d['keypoints'] for d in infos])
    visible = np.concatenate([d['keypoints_visible'] for d in infos])
    head = np.concatenate([d['head_size'] for d in infos])[:, 0]
    np.testing.assert_allclose(head, mpii_head_size(boxes.reshape(-1, 4)), rtol=1e-6)
    assert all(v == 100.0 for v in mpii_pckh(gt, gt, visible, head).values())
    pred, _, _ = random_case(gt, seed=4)
    assert_agrees_with_mmpose(pred, gt, visible, head)


def test_htcorrm_mpii_configs_use_the_metric():
    from mmengine.config import Config
    from mmpose.registry import METRICS
    repo = osp.dirname(osp.dirname(osp.abspath(__file__)))
    paths = sorted(glob.glob(osp.join(repo, 'configs', 'htcorrm', '*mpii*.py')))
    assert paths
    for path in paths:
        evaluator = Config.fromfile(path).test_evaluator
        assert evaluator['type'] == 'MPIIPCKhMetric', path
        assert tuple(METRICS.build(evaluator).head_joints) == (9, ), path


def hrnet_pckh(pred, gt, visible, boxes, thr=0.5):
    """A transcription of HRNet's MPII ``evaluate()`` arithmetic on (N, 16, 2)
    arrays: |pred - gt| / (0.6 |box diagonal|) <= thr in float64, PCKh per
    joint over the visible ones, the mean weighted by joint counts without
    pelvis and thorax."""
    uv_err = np.linalg.norm(pred.astype(np.float64) - gt.astype(np.float64), axis=2)
    headsizes = np.linalg.norm(boxes[:, 1] - boxes[:, 0], axis=1) * 0.6
    scaled = uv_err / headsizes[:, None]
    less = (scaled <= thr) & (visible > 0)
    count = (visible > 0).sum(axis=0)
    pckh = 100 * less.sum(axis=0) / count
    keep = np.ones(16, bool)
    keep[6:8] = False
    return pckh, np.sum(pckh[keep] * count[keep] / count[keep].sum())


def test_exact_ties_as_hrnet():
    """Joints put half a head size away (the threshold, up to float32 rounding of the
    predictions): each is decided as HRNet's script decides it, in float64 from the same
    float32 inputs."""
    rng = np.random.default_rng(8)
    gt = rng.integers(50, 400, (200, 16, 2)).astype(np.float32)
    corner = rng.integers(0, 400, (200, 2))
    boxes = np.stack([corner, corner + rng.integers(5, 60, (200, 2))], 1)
    head = mpii_head_size(boxes.reshape(-1, 4).astype(np.float64))
    angle = rng.uniform(0, 2 * np.pi, (200, 16))
    offset = 0.5 * head[:, None, None] * np.stack([np.cos(angle), np.sin(angle)], -1)
    pred = (gt + offset).astype(np.float32)
    visible = np.ones((200, 16))
    per_joint, mean = hrnet_pckh(pred, gt, visible, boxes)
    assert 5 < mean < 95  # ties on both sides
    ours = mpii_pckh(pred, gt, visible, head, head_joints=(9, ))
    assert ours['Mean'] == pytest.approx(mean, abs=1e-9)
    assert ours['Head'] == pytest.approx(per_joint[9], abs=1e-9)
    assert ours['Wrist'] == pytest.approx((per_joint[10] + per_joint[15]) / 2, abs=1e-9)

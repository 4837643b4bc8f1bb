"""Multi-person per-joint AP (PASCAL-Person-Part pose, NPPNet Tab.

4): hand-computed cases, the metric on data samples, the config and the real sample.
"""
import glob
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import METRICS

from mmhtc.evaluation import PascalPersonPartAPMetric
from mmhtc.evaluation.functional import joint_ap, lsp_part_ap, oks_joint_ap, voc_ap

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_voc_ap_hand_computed():
    # ranked T, F, T with 2 ground truths: precision 1, 1/2, 2/3 at recall
    # 1/2, 1/2, 1; the envelope gives 1/2 * 1 + 1/2 * 2/3
    assert voc_ap(np.array([.5, .5, 1.]), np.array([1., .5, 2 / 3])) == \
        pytest.approx(5 / 6)
    assert voc_ap(np.array([0., .5]), np.array([0., .5])) == pytest.approx(.25)


def two_joint_case():
    """Two images, two joint types, reference distance 10 (threshold 5 px)."""
    a, b, c = (np.array([[x, 0.], [x, 20.]]) for x in (0., 100., 0.))
    gts = [np.stack([a, b]), c[None]]
    visible = [np.ones((2, 2)), np.ones((1, 2))]
    ref = [np.full(2, 10.), np.full(1, 10.)]
    p1 = a + 1.0  # both joints right
    p2 = b + [[3., 0.], [6., 0.]]  # joint 0 right (3 px), joint 1 off (6 px)
    p3 = c + 200.0  # nowhere near person c
    preds = [np.stack([p1, p2]), p3[None]]
    scores = [np.array([[.9, .9], [.8, .3]]), np.array([[.95, .95]])]
    return preds, scores, gts, visible, ref


def test_joint_ap_hand_computed():
    aps = joint_ap(*two_joint_case())
    # joint 0 ranked: p3 F (.95), p1 T (.9), p2 T (.8); 3 ground truths:
    # precision 0, 1/2, 2/3 at recall 0, 1/3, 2/3 -> 2/3 * 2/3
    # joint 1 ranked: p3 F, p1 T, p2 F -> 1/3 * 1/2
    np.testing.assert_allclose(aps, [100 * 4 / 9, 100 / 6])


def test_unannotated_joint_is_neither_found_nor_missed():
    preds, scores, gts, visible, ref = two_joint_case()
    visible[1][0, 0] = 0  # person c's joint 0 not annotated: 2 ground truths
    aps = joint_ap(preds, scores, gts, visible, ref)
    # joint 0 ranked: p3 F, p1 T, p2 T -> recall 1/2, 1 at precision 1/2, 2/3
    assert aps[0] == pytest.approx(100 * (0.5 * 2 / 3 + 0.5 * 2 / 3))


def test_joint_without_prediction_is_not_ranked():
    preds, scores, gts, visible, ref = two_joint_case()
    preds[1] = preds[1].copy()
    preds[1][0, 0] = np.nan  # p3's joint 0 not predicted (its 0.95 F gone)
    aps = joint_ap(preds, scores, gts, visible, ref)
    # joint 0 ranked: p1 T, p2 T; 3 ground truths -> recall 2/3 at precision 1
    np.testing.assert_allclose(aps, [100 * 2 / 3, 100 / 6])


def test_person_assignment_ignores_scores():
    # MPII's assignGTmulti: two equally good predictions of one person, the
    # first in the image's list is matched, the other is a false positive even
    # with the higher score
    gt = np.array([[[0., 0.], [0., 20.]]])
    preds = [np.concatenate([gt, gt])]
    scores = [np.array([[.5, .5], [.9, .9]])]
    aps = joint_ap(preds, scores, [gt], [np.ones((1, 2))], [np.ones(1)])
    np.testing.assert_allclose(aps, [50.0, 50.0])


def test_prediction_keeps_its_best_person_only():
    # q is nearer person a on both joints, so it is assigned to a; r is within
    # the threshold of b on one joint only and takes b
    a = np.array([[0., 0.], [0., 20.]])
    b = a + [8., 0.]
    q = a + [2., 0.]
    r = b + [[4., 0.], [40., 0.]]
    aps = joint_ap([np.stack([q, r])], [np.array([[.9, .9], [.8, .8]])],
                   [np.stack([a, b])], [np.ones((2, 2))], [np.full(2, 10.)])
    # joint 0: q T, r T -> 100; joint 1: q T, r F -> recall 1/2 at precision 1
    np.testing.assert_allclose(aps, [100.0, 50.0])


def test_table_columns():
    # a distinct power of two per joint: every column names its two joints
    table = lsp_part_ap(2.0**np.arange(14))
    assert table == dict(
        Head=(2**12 + 2**13) / 2,
        Shoulder=(2**8 + 2**9) / 2,
        Elbow=(2**7 + 2**10) / 2,
        Wrist=(2**6 + 2**11) / 2,
        Hip=(2**2 + 2**3) / 2,
        Knee=(2**1 + 2**4) / 2,
        Ankle=(2**0 + 2**5) / 2,
        mAP=(2**14 - 1) / 14)


def lsp_person(x: float, head: float = 20.0) -> np.ndarray:
    """A 14-joint person at column ``x`` whose neck and head top are ``head`` apart."""
    kpts = np.stack([np.full(14, x), np.arange(14) * -10.0 + 200], axis=1)
    kpts[13] = kpts[12] - [0, head]
    return kpts


def sample(gt_kpts, gt_visible, pred_kpts, pred_scores) -> dict:
    return dict(
        img_path='x.jpg',
        gt_instances=dict(keypoints=gt_kpts, keypoints_visible=gt_visible),
        pred_instances=dict(keypoints=pred_kpts, keypoint_scores=pred_scores))


def test_metric_on_data_samples():
    a, b = lsp_person(0.0, head=20.0), lsp_person(300.0, head=40.0)
    pred_a = a.copy()
    pred_a[6, 0] += 12.0  # r_wrist 0.6 of a's head size away: wrong
    pred_b = b.copy()
    pred_b[6, 0] += 12.0  # 0.3 of b's head size: right
    no_head = lsp_person(600.0)
    visible_c = np.ones(14)
    visible_c[13] = 0  # no head top: person left out
    metric = METRICS.build(dict(type='PascalPersonPartAPMetric'))
    metric.dataset_meta = {}
    metric.process(None, [
        sample(
            np.stack([a, b]), np.ones((2, 14)), np.stack([pred_a, pred_b]),
            np.stack([np.full(14, .9), np.full(14, .8)])),
        sample(no_head[None], visible_c[None, :, None], np.zeros(
            (0, 14, 2)), np.zeros((0, 14))),
    ])
    results = metric.evaluate(2)
    # r_wrist ranked: a's F (.9), b's T (.8) -> recall 1/2 at precision 1/2,
    # AP 25; every other joint 100 (person c left out, nothing predicted there)
    assert results['pascal/AP_Wrist'] == pytest.approx(62.5)
    assert results['pascal/AP_Head'] == 100.0
    assert results['pascal/mAP'] == pytest.approx(100 * 13.25 / 14)


def test_metric_names_missing_scores():
    metric = PascalPersonPartAPMetric()
    bad = sample(
        lsp_person(0.)[None], np.ones((1, 14)),
        lsp_person(0.)[None], np.ones((1, 14)))
    del bad['pred_instances']['keypoint_scores']
    with pytest.raises(KeyError, match='keypoint_scores.*x.jpg'):
        metric.process(None, [bad])


def test_nppnet_pascal_config_uses_the_metric():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'nppnet',
                 'nppnet_c128-l16_4xb4-120e_pascal-person-part-384x384.py'))
    pose = [e for e in cfg.test_evaluator if e['type'] == 'PascalPersonPartAPMetric']
    assert [e['protocol'] for e in pose] == ['nppnet']
    for evaluator in cfg.test_evaluator:
        METRICS.build(evaluator)


def test_real_sample_against_itself(shared_data):
    root = osp.join(shared_data, 'pascal_person_part')
    pose_files = glob.glob(osp.join(root, 'pose_annotations*.json'))
    if not pose_files:
        pytest.skip('the PASCAL-Person-Part sample has no 14-joint keypoints '
                    '(see its SOURCE.md)')
    from mmhtc.datasets import PascalPersonPartHumanDataset
    dataset = PascalPersonPartHumanDataset(
        data_root=root,
        ann_file='val_id.txt',
        pose_file=osp.basename(pose_files[0]),
        data_prefix=dict(img_path='JPEGImages'),
        lazy_init=False)
    metric = PascalPersonPartAPMetric()
    for info in dataset.data_list:
        kpts, visible = info['keypoints'], info['keypoints_visible']
        metric.process(None, [sample(kpts, visible, kpts, np.ones(visible.shape))])
    results = metric.compute_metrics(metric.results)
    assert results['mAP'] == 100.0


@pytest.mark.parametrize('protocol, ankle, mean', [
    ('mpii', 50.0, 100 * 13 / 14),
    ('nppnet', 45.0, 90 * 13 / 14),
])
def test_evaluator_on_seg_data_samples(protocol, ankle, mean):
    """As a test loop feeds it: SegDataSamples through mmengine's Evaluator,
    the boxes where the packer puts them (``gt_instances.bboxes``). With
    'nppnet' the box is 20 x 160 px: the ankle 30 px off has similarity
    exp(-900 / 11.52 / 2) ~ 0, the person (13 + exp(-900 / 192 / 2)) / 14 =
    0.935, so the 13 exact joints are correct at 9 of the 10 thresholds."""
    from mmengine.evaluator import Evaluator
    from mmengine.structures import InstanceData
    from mmseg.structures import SegDataSample
    a = lsp_person(0.0)
    data_sample = SegDataSample(metainfo=dict(img_path='y.jpg'))
    data_sample.gt_instances = InstanceData(
        keypoints=a[None], keypoints_visible=np.ones((1, 14)), bboxes=box_of(a)[None])
    pred = a.copy()
    pred[0, 1] += 30.0  # r_ankle 1.5 head sizes away
    data_sample.pred_instances = InstanceData(
        keypoints=pred[None], keypoint_scores=np.ones((1, 14)))
    evaluator = Evaluator(
        METRICS.build(
            dict(type='PascalPersonPartAPMetric', protocol=protocol, prefix='pose')))
    evaluator.process([data_sample])
    results = evaluator.evaluate(1)
    assert results['pose/AP_Ankle'] == ankle
    assert results['pose/mAP'] == pytest.approx(mean)


def test_image_without_predictions_counts_no_ground_truth():
    """MPII's assignGTmulti sets hasGT inside its loop over the predictions: the persons
    of an image without predictions are not in the recall's total."""
    preds, scores, gts, visible, ref = two_joint_case()
    extra = np.array([[[500., 0.], [500., 20.]]] * 2)
    aps = joint_ap(preds + [np.zeros((0, 2, 2))], scores + [np.zeros((0, 2))],
                   gts + [extra], visible + [np.ones((2, 2))], ref + [np.full(2, 10.)])
    np.testing.assert_allclose(aps, [100 * 4 / 9, 100 / 6])


def cal_map_reference(preds, gts, visible, boxes):
    """A transcription of the NPPNet release's ``core/mAP.py`` (``cal_oks``, ``cal_map``
    and its main loop), with predictions in image pixels instead of crop pixels plus the
    compared box's corner.

    Joints in LSP order, so the release's sigmas are permuted to it.
    """
    sigma = np.array([.6, .6, .6, .6, .6, .6, .8, .8, 1., 1., .8, .8, 1., 1.]) / 10
    aps = []
    for t in [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]:
        hits, counts = np.zeros(14), np.zeros(14)
        for pred, gt, vis, box in zip(preds, gts, visible, boxes):
            if len(pred) == 0:
                continue  # np.argmax of an empty row raises; image skipped
            oks_m = np.zeros((len(gt), len(pred)))
            for i in range(len(gt)):
                area = (box[i, 2] - box[i, 0]) * (box[i, 3] - box[i, 1]) + \
                    np.spacing(1)
                for j in range(len(pred)):
                    oks = 0.
                    for k in range(14):
                        if vis[i, k]:
                            dx = gt[i, k, 0] - pred[j, k, 0]
                            dy = gt[i, k, 1] - pred[j, k, 1]
                            oks += np.exp(-((dx**2 + dy**2) / (0.06 * area) / 2))
                    oks_m[i, j] = oks / sum(vis[i] > 0)
            index = np.argmax(oks_m, axis=1)
            for i in range(len(gt)):
                area = (box[i, 2] - box[i, 0]) * (box[i, 3] - box[i, 1]) + \
                    np.spacing(1)
                d = gt[i] - pred[index[i]]
                dist = np.exp(-((d[:, 0]**2 + d[:, 1]**2) / (area * sigma**2) / 2))
                acc = (dist >= t) if oks_m[i, index[i]] >= t else np.zeros(14)
                counts += vis[i] > 0
                hits += (vis[i] > 0) & (acc > 0)
        aps.append(100 * hits / counts)
    return np.mean(aps, axis=0)


def box_of(kpts: np.ndarray) -> np.ndarray:
    return np.concatenate([kpts.min(0) - 10, kpts.max(0) + 10])


def test_oks_protocol_hand_computed():
    """Box 100 x 100: a joint with sigma 0.1 (head top) 10 px off has
    similarity exp(-100 / 100 / 2) = 0.607, correct at 0.50, 0.55, 0.60 (30);
    the person's similarity (13 + exp(-100 / 600 / 2)) / 14 = 0.994 passes
    every threshold."""
    gt = lsp_person(50.0)
    box = np.array([[0., 0., 100., 100.]])
    pred = gt.copy()
    pred[13, 0] += 10.0
    aps = oks_joint_ap([pred[None]], [gt[None]], [np.ones((1, 14))], [box])
    np.testing.assert_allclose(aps, [100.] * 13 + [30.])
    # an ankle (sigma 0.06) 6 px off: exp(-36 / 36 / 2), also 30
    pred[0, 1] += 6.0
    aps = oks_joint_ap([pred[None]], [gt[None]], [np.ones((1, 14))], [box])
    np.testing.assert_allclose(aps, [30.] + [100.] * 12 + [30.])


def test_oks_protocol_gates_joints_by_the_person():
    """One exact joint of a prediction whose other joints are far off: the
    person's similarity 1/14 fails every threshold, so no joint is correct
    (MPII's protocol matches the person through that joint and counts it)."""
    gt = lsp_person(50.0)
    pred = gt + 1000.0
    pred[13] = gt[13]
    box = box_of(gt)[None]
    aps = oks_joint_ap([pred[None]], [gt[None]], [np.ones((1, 14))], [box])
    assert (aps == 0).all()
    mpii = joint_ap([pred[None]], [np.ones((1, 14))], [gt[None]], [np.ones((1, 14))],
                    [np.full(1, 20.)])
    assert mpii[13] == 100.0


def test_oks_protocol_shares_predictions_and_skips_empty_images():
    """Two identical ground-truth persons both take the one exact prediction (no one-to-
    one matching: all correct); an image without predictions is left out, its persons
    counted nowhere."""
    gt = lsp_person(50.0)
    box = box_of(gt)
    aps = oks_joint_ap([gt[None], np.zeros((0, 14, 2))], [np.stack([gt, gt]), gt[None]],
                       [np.ones((2, 14)), np.ones(
                           (1, 14))], [np.stack([box, box]), box[None]])
    assert (aps == 100.0).all()


def test_oks_protocol_equals_the_release_script():
    rng = np.random.default_rng(7)
    preds, gts, visible, boxes = [], [], [], []
    for n in range(12):
        num_gt, num_pred = rng.integers(1, 4), rng.integers(0, 4)
        gt = np.stack([lsp_person(x) for x in rng.uniform(0, 400, num_gt)])
        gt += rng.normal(0, 5, gt.shape)
        vis = rng.random((num_gt, 14)) > 0.2
        vis[0, 0] = True
        box = np.stack([box_of(g) for g in gt])
        source = gt[rng.integers(0, num_gt, num_pred)]
        preds.append(source + rng.normal(0, 8, source.shape))
        gts.append(gt)
        visible.append(vis)
        boxes.append(box)
    ours = oks_joint_ap(preds, gts, visible, boxes)
    np.testing.assert_allclose(
        ours, cal_map_reference(preds, gts, visible, boxes), atol=1e-9)
    assert 10 < np.nanmean(ours) < 90


def test_oks_metric_on_data_samples():
    gt = lsp_person(50.0)
    pred = gt.copy()
    pred[13, 0] += 10.0
    metric = METRICS.build(dict(type='PascalPersonPartAPMetric', protocol='nppnet'))
    metric.dataset_meta = {}
    data = sample(gt[None], np.ones((1, 14)), pred[None], np.ones((1, 14)))
    data['gt_instances']['bboxes'] = np.array([[0., 0., 100., 100.]])
    metric.process(None, [data])
    results = metric.evaluate(1)
    assert results['pascal/AP_Head'] == pytest.approx(65.0)
    assert results['pascal/mAP'] == pytest.approx(95.0)
    del data['gt_instances']['bboxes']
    with pytest.raises(KeyError, match="'bboxes'.*x.jpg"):
        metric.process(None, [data])
    with pytest.raises(ValueError, match="protocol 'oks'"):
        PascalPersonPartAPMetric(protocol='oks')

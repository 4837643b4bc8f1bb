"""Make COCO-format keypoint pseudo-labels with an mmpose top-down model.

HTCorrM (Sec. 4.2) labels the poses of CIHP and ATR with a COCO-trained pose
estimator. Every person of every image is predicted by the model of
``--pose-config`` / ``--pose-checkpoint`` (any mmpose top-down model of COCO's 17
joints, e.g. SimpleBaseline or HRNet). Person boxes come from the dataset's
instance labels where it has them (CIHP's ``Human_ids/<id>.png``, PASCAL-Part's
person masks in ``Annotations_Part/<id>.mat``; a box is the mask's pixel extent,
``[x_min, y_min, x_max + 1, y_max + 1]``), from an mmdet detector
(``--det-config``) for images without them, and are the whole image for
single-person ATR.

Joints are written in ``--joints`` order: ``coco`` (17, what the CIHP and ATR
configs read), ``mpii`` (LIP / MPII's 16: pelvis and thorax are the midpoints of
the hips and shoulders; upper neck and head top, which COCO lacks, are not
annotated) or ``lsp`` (PASCAL-Person-Part's 14: neck is the shoulders' midpoint;
head top is not annotated). A joint is annotated (v = 2) when its score is at
least ``--kpt-thr``; the scores are kept in ``keypoint_scores``.

The output is resumable: images already in ``--out`` are skipped, and the file
is rewritten atomically every ``--save-every`` images.

Usage:
    python tools/dataset_converters/generate_pose_labels.py \\
        data/CIHP/instance-level_human_parsing/Training --dataset cihp \\
        --pose-config CFG --pose-checkpoint CKPT \\
        --out data/CIHP/instance-level_human_parsing/Training/pose_coco.json
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional, Sequence

import mmengine
import numpy as np
from mmengine.config import Config
from mmpose.apis import inference_topdown, init_model
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.datasets.transforms import KeypointConverter
from mmpose.evaluation.functional import nms
from mmpose.utils import adapt_mmdet_pipeline
from PIL import Image
from scipy.io import loadmat

from mmhtc.datasets.metainfo import (COCO_KEYPOINTS, MPII_KEYPOINTS,
                                     PASCAL_PERSON_PART_KEYPOINTS)

#: Image folder and instance label folder of each dataset, under its root.
LAYOUTS = {
    'cihp': ('Images', 'Human_ids'),
    'atr': ('humanparsing/JPEGImages', None),
    'pascal-person-part': ('JPEGImages', 'Annotations_Part'),
}
#: Target joint set -> (definition, mapping from COCO's 17 as mmpose's
#: ``KeypointConverter`` reads it: (source, target), ((a, b), target) = midpoint).
JOINTS = {
    'coco': (COCO_KEYPOINTS, [(i, i) for i in range(17)]),
    'mpii': (MPII_KEYPOINTS, [(16, 0), (14, 1), (12, 2), (11, 3), (13, 4), (15, 5),
                              ((11, 12), 6), ((5, 6), 7), (10, 10), (8, 11), (6, 12),
                              (5, 13), (7, 14), (9, 15)]),
    'lsp': (PASCAL_PERSON_PART_KEYPOINTS, [(16, 0), (14, 1), (12, 2), (11, 3), (13, 4),
                                           (15, 5), (10, 6), (8, 7), (6, 8), (5, 9),
                                           (7, 10), (9, 11), ((5, 6), 12)]),
}


def mask_boxes(masks: Sequence[np.ndarray]) -> np.ndarray:
    """(N, 4) xyxy pixel extents ``[x0, y0, x1 + 1, y1 + 1]`` of N binary masks."""
    boxes = []
    for mask in masks:
        rows, cols = np.nonzero(mask)
        boxes.append([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
    return np.asarray(boxes, np.float32).reshape(-1, 4)


def instance_boxes(path: str, dataset: str) -> np.ndarray:
    """Person boxes (N, 4) from a CIHP ``Human_ids`` PNG (person k = value k) or a
    PASCAL-Part ``.mat`` (objects of class 'person')."""
    if dataset == 'cihp':
        ids = np.array(Image.open(path))
        if ids.ndim != 2:
            raise ValueError(f'{path}: expected a one-channel instance map')
        return mask_boxes([ids == k for k in np.unique(ids) if k > 0])
    try:
        objects = loadmat(path)['anno'][0, 0]['objects'][0]
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(f'{path}: not a PASCAL-Part annotation: {err}') from None
    return mask_boxes([
        obj['mask'] > 0 for obj in objects
        if str(obj['class'][0]) == 'person' and obj['mask'].any()
    ])


def select_person_boxes(bboxes: np.ndarray,
                        labels: np.ndarray,
                        scores: np.ndarray,
                        cat_id: int = 0,
                        score_thr: float = 0.3,
                        nms_thr: float = 0.3) -> np.ndarray:
    """Person boxes of a detector's output, as mmpose's top-down demo picks them.

    Args:
        bboxes: (M, 4) xyxy detections.
        labels: (M, ) class ids.
        scores: (M, ) scores.
        cat_id: The person class id (0 in COCO-trained mmdet models).
        score_thr: Boxes must score above it.
        nms_thr: IoU threshold of mmpose's NMS over the kept boxes.

    Returns:
        (N, 4) xyxy person boxes.
    """
    keep = (labels == cat_id) & (scores > score_thr)
    dets = np.concatenate([bboxes[keep], scores[keep, None]], axis=1)
    return dets[nms(dets, nms_thr), :4].astype(np.float32).reshape(-1, 4)


def map_joints(keypoints: np.ndarray, scores: np.ndarray, joints: str) -> tuple:
    """COCO's 17 joints (N, 17, 2) with scores (N, 17) in ``joints`` order.

    Returns:
        Keypoints (N, K, 2), scores (N, K) (product of the two for a midpoint)
        and a (K, ) mask of the target joints that have a source.
    """
    meta, mapping = JOINTS[joints]
    num = parse_pose_metainfo(meta)['num_keypoints']
    results = KeypointConverter(num, mapping)(
        dict(keypoints=keypoints, keypoints_visible=scores))
    scores, weights = np.moveaxis(results['keypoints_visible'], 2, 0)
    return results['keypoints'], scores, weights.max(0) > 0


def categories(joints: str) -> List[dict]:
    """The COCO ``categories`` entry of the person class in ``joints`` order."""
    meta = parse_pose_metainfo(JOINTS[joints][0])
    names = [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]
    return [
        dict(
            id=1,
            name='person',
            keypoints=names,
            skeleton=[[int(a) + 1, int(b) + 1] for a, b in meta['skeleton_links']])
    ]


def write_json(content: dict, path: str) -> None:
    """Write ``content`` to ``path`` atomically (a temporary file, renamed)."""
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(content, f)
    os.replace(tmp, path)


def load_partial(path: str, joints: str) -> dict:
    """The output written so far, or an empty COCO file."""
    if not osp.isfile(path):
        return dict(images=[], annotations=[], categories=categories(joints))
    with open(path, encoding='utf-8') as f:
        content = json.load(f)
    if content.get('categories') != categories(joints):
        raise ValueError(f'{path}: written for other joints than '
                         f'--joints {joints}; remove it or pick its joints')
    return content


def init_person_detector(config: str, checkpoint: Optional[str], device: str):
    """An mmdet detector whose test pipeline builds in mmpose's scope too (mmpose's
    ``adapt_mmdet_pipeline``, as its top-down demo)."""
    from mmdet.apis import init_detector
    return init_detector(
        adapt_mmdet_pipeline(Config.fromfile(config)), checkpoint, device=device)


def person_boxes(args, img_id: str, img_path: str, size: tuple, detector) -> np.ndarray:
    """The person boxes (N, 4) of one image (see the module docstring)."""
    if args.dataset == 'atr':
        return np.array([[0, 0, size[0], size[1]]], np.float32)
    suffix = '.png' if args.dataset == 'cihp' else '.mat'
    path = osp.join(args.root, LAYOUTS[args.dataset][1], img_id + suffix)
    if osp.isfile(path):
        return instance_boxes(path, args.dataset)
    if detector is None:
        raise FileNotFoundError(f'{path}: no instance labels for this image; '
                                'give a person detector (--det-config)')
    from mmdet.apis import inference_detector
    pred = inference_detector(detector, img_path).pred_instances.cpu().numpy()
    return select_person_boxes(
        pred.bboxes,
        pred.labels,
        pred.scores,
        score_thr=args.bbox_thr,
        nms_thr=args.nms_thr)


def annotate(args, model, detector, img_ids: List[str], content: dict) -> None:
    """Predict the images not in ``content`` and add them to it, saving as it goes."""
    done = {img['file_name'] for img in content['images']}
    image_dir = osp.join(args.root, LAYOUTS[args.dataset][0])
    todo = [i for i in img_ids if i + '.jpg' not in done]
    next_img = max([img['id'] for img in content['images']], default=-1) + 1
    next_ann = max([a['id'] for a in content['annotations']], default=-1) + 1
    progress = mmengine.ProgressBar(len(todo))
    for count, img_id in enumerate(todo, start=1):
        img_path = osp.join(image_dir, img_id + '.jpg')
        if not osp.isfile(img_path):
            raise FileNotFoundError(f'{img_path}: image not found')
        width, height = Image.open(img_path).size
        boxes = person_boxes(args, img_id, img_path, (width, height), detector)
        content['images'].append(
            dict(id=next_img, file_name=img_id + '.jpg', width=width, height=height))
        if len(boxes):
            samples = inference_topdown(model, img_path, boxes)
            kpts, scores, mapped = map_joints(
                np.concatenate([s.pred_instances.keypoints for s in samples]),
                np.concatenate([s.pred_instances.keypoint_scores for s in samples]),
                args.joints)
            for box, kpt, score in zip(boxes, kpts, scores):
                visible = mapped & (score >= args.kpt_thr)
                triples = np.concatenate(
                    [kpt * visible[:, None], 2.0 * visible[:, None]], axis=1)
                x0, y0, x1, y1 = (float(v) for v in box)
                content['annotations'].append(
                    dict(
                        id=next_ann,
                        image_id=next_img,
                        category_id=1,
                        bbox=[x0, y0, x1 - x0, y1 - y0],
                        area=(x1 - x0) * (y1 - y0),
                        iscrowd=0,
                        keypoints=[round(float(v), 2) for v in triples.flat],
                        num_keypoints=int(visible.sum()),
                        keypoint_scores=[float(v) for v in score * mapped]))
                next_ann += 1
        next_img += 1
        if count % args.save_every == 0:
            write_json(content, args.out)
        progress.update()
    write_json(content, args.out)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='dataset (split) folder')
    parser.add_argument('--dataset', required=True, choices=sorted(LAYOUTS))
    parser.add_argument('--pose-config', required=True)
    parser.add_argument('--pose-checkpoint', required=True)
    parser.add_argument('--det-config')
    parser.add_argument('--det-checkpoint')
    parser.add_argument('--out', required=True, help='COCO-format json')
    parser.add_argument('--ids', help='file of image ids (default: all)')
    parser.add_argument('--joints', default='coco', choices=sorted(JOINTS))
    parser.add_argument('--kpt-thr', type=float, default=0.0)
    parser.add_argument('--bbox-thr', type=float, default=0.3)
    parser.add_argument('--nms-thr', type=float, default=0.3)
    parser.add_argument('--save-every', type=int, default=100)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def image_ids(args) -> List[str]:
    """The ids of ``--ids``, else of every ``.jpg`` in the image folder."""
    if args.ids:
        with open(args.ids, encoding='utf-8') as f:
            return [line.strip() for line in f if line.strip()]
    image_dir = osp.join(args.root, LAYOUTS[args.dataset][0])
    if not osp.isdir(image_dir):
        raise FileNotFoundError(f'{image_dir}: no image folder of '
                                f'{args.dataset} under {args.root}')
    return sorted(
        osp.splitext(n)[0] for n in os.listdir(image_dir) if n.endswith('.jpg'))


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    model = init_model(args.pose_config, args.pose_checkpoint, args.device)
    names = model.dataset_meta['keypoint_id2name']
    coco = parse_pose_metainfo(COCO_KEYPOINTS)['keypoint_id2name']
    if names != coco:
        raise ValueError(f'{args.pose_config}: the model must predict COCO\'s '
                         f'17 joints, got {len(names)} others')
    detector = None
    if args.det_config:
        detector = init_person_detector(args.det_config, args.det_checkpoint,
                                        args.device)
    content = load_partial(args.out, args.joints)
    annotate(args, model, detector, image_ids(args), content)
    print(f'\n{len(content["annotations"])} persons in '
          f'{len(content["images"])} images: {args.out}')


if __name__ == '__main__':
    main()

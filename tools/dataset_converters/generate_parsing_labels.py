"""Make MPII parsing labels with an mmhtc parsing model on the person crops.

HTCorrM (Sec. 4.2, Fig. 7) trains pose on MPII with parsing labels made by a human
parser (CorrPM) trained on LIP. Each person of mmpose's MPII json is read as
mmpose's ``MpiiDataset`` reads it (centre, ``scale * 200`` px square box), the box
is enlarged by ``--padding`` (1.25, mmpose's ``GetBBoxCenterScale``) and warped to
``--crop-size`` (mmpose's ``TopdownAffine``); the model of ``--config`` /
``--checkpoint`` (an mmseg-world mmhtc config with LIP's 20 classes) parses the
crop, and its class probabilities are warped back into the image (inverse warp,
nearest neighbour). Where the crops of several persons overlap, a pixel takes the
most probable foreground class of any of them and is background only where every
covering person's background is more probable than all its foreground classes
(``merge_parsing``, as ``TopDownHuman`` merges persons); pixels no crop reaches
are background. One ``<stem>.png`` per image (mode L, LIP's class ids) goes into
``OUT_DIR``, written atomically; images with a PNG already there are skipped, so
an interrupted run resumes.

Usage:
    python tools/dataset_converters/generate_parsing_labels.py \\
        data/mpii/annotations/mpii_train.json data/mpii/images \\
        --config CFG --checkpoint CKPT --out-dir data/mpii/parsing
"""
import argparse
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmcv
import mmengine
import numpy as np
from mmpose.datasets import MpiiDataset
from mmpose.datasets.transforms import TopdownAffine
from mmpose.structures.bbox import get_warp_matrix
from PIL import Image

from mmhtc.apis import inference_human, init_model
from mmhtc.datasets.metainfo import LIP_CLASSES
from mmhtc.models.utils.person_crops import (class_probabilities, merge_parsing,
                                             paste_to_image)


def read_persons(ann_file: str, image_dir: str) -> Dict[str, List[dict]]:
    """Image path -> its persons (``bbox_center``, ``bbox_scale``) as mmpose's
    ``MpiiDataset`` reads them (persons without a centre are left out)."""
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'{ann_file}: no MPII annotation file')
    try:
        dataset = MpiiDataset(
            ann_file=osp.abspath(ann_file),
            data_prefix=dict(img=image_dir),
            test_mode=True,
            serialize_data=False)
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f'{ann_file}: not an mmpose MPII json: {err!r}') from None
    persons: Dict[str, List[dict]] = {}
    for info in dataset.data_list:
        persons.setdefault(info['img_path'], [])
        if info['bbox_center'][0, 0] != -2:  # centre -1 made 0-based
            persons[info['img_path']].append(info)
    return persons


def parse_image(model, img: np.ndarray, persons: List[dict], padding: float,
                crop_size: Sequence[int]) -> np.ndarray:
    """The (H, W) uint8 parsing of one image from its persons' crops."""
    height, width = img.shape[:2]
    num_classes = len(model.dataset_meta['classes'])
    scores = np.zeros((num_classes, height, width), np.float32)
    scores[0] = 1
    everywhere = np.ones((height, width), np.float32)
    for person in persons:
        crop = TopdownAffine(tuple(crop_size))(
            dict(
                img=img,
                bbox_center=person['bbox_center'],
                bbox_scale=person['bbox_scale'] * padding))
        warp = get_warp_matrix(crop['input_center'], crop['input_scale'], 0.0,
                               crop['input_size'])
        sample = inference_human(model, crop['img']).data_sample
        probs = class_probabilities(sample.seg_logits.data).cpu().numpy()
        inside = paste_to_image(
            np.ones_like(probs[:1]), warp, (height, width), nearest=True)[0]
        pasted = paste_to_image(probs, warp, (height, width), nearest=True)
        scores = merge_parsing(
            np.stack([scores, pasted]), np.stack([everywhere, inside]))
    return scores.argmax(0).astype(np.uint8)


def write_png(label: np.ndarray, path: str) -> None:
    """Save ``label`` as a mode-L PNG atomically (a temporary file, renamed)."""
    tmp = path + '.tmp'
    Image.fromarray(label).save(tmp, format='PNG')
    os.replace(tmp, path)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file', help="mmpose's MPII json")
    parser.add_argument('image_dir', help='MPII images folder')
    parser.add_argument('--config', required=True)
    parser.add_argument('--checkpoint', help='default: initial weights')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--padding', type=float, default=1.25)
    parser.add_argument(
        '--crop-size', type=int, nargs=2, default=(384, 384), metavar=('W', 'H'))
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    persons = read_persons(args.ann_file, args.image_dir)
    model = init_model(args.config, args.checkpoint, args.device)
    if model.cfg.default_scope != 'mmseg' or tuple(
            model.dataset_meta['classes']) != tuple(LIP_CLASSES):
        raise ValueError(f'{args.config}: needs an mmseg-world parsing model '
                         "with LIP's 20 classes")
    os.makedirs(args.out_dir, exist_ok=True)
    progress = mmengine.ProgressBar(len(persons))
    for img_path, image_persons in persons.items():
        stem = osp.splitext(osp.basename(img_path))[0]
        out = osp.join(args.out_dir, stem + '.png')
        if not osp.isfile(out):
            if not osp.isfile(img_path):
                raise FileNotFoundError(f'{img_path}: image not found')
            write_png(
                parse_image(model, mmcv.imread(img_path), image_persons, args.padding,
                            args.crop_size), out)
        progress.update()
    print(f'\n{len(persons)} parsing labels in {args.out_dir}')


if __name__ == '__main__':
    main()

"""Draw a model's parsing, skeleton and edges on an image, and an HNL relation map.

Example::

    python tools/demo/image_demo.py photo.jpg \
        configs/demo/htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py \
        checkpoints/htcorrm-demo-1a2b3c4d.pth --out-file out.png --show-relation 60,90

writes ``out.png`` (the image's size) and, with ``--show-relation x,y``,
``out_relation.png``: the relation map of pixel (x, y) (HTCorrM Fig. 5/11).
"""
import argparse
import os.path as osp
from typing import Tuple

import mmcv
import numpy as np

from mmhtc.apis import inference_human, init_model, trust_local_checkpoints
from mmhtc.visualization import HumanVisualizer


def parse_point(text: str) -> Tuple[float, float]:
    """'x,y' -> (x, y)."""
    parts = text.split(',')
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f'expected x,y, got {text!r}')
    return float(parts[0]), float(parts[1])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-file', required=True, help='output PNG')
    parser.add_argument(
        '--show-relation',
        type=parse_point,
        metavar='X,Y',
        help='also write <out-file stem>_relation.png for this pixel')
    parser.add_argument(
        '--bbox',
        type=float,
        nargs=4,
        metavar=('X1', 'Y1', 'X2', 'Y2'),
        help='person box for top-down pose models (default: the whole image)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument(
        '--alpha', type=float, default=0.5, help='opacity of the parsing colours')
    parser.add_argument(
        '--kpt-thr', type=float, default=0.3, help='keypoint score threshold')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='load a training checkpoint of your own run (unpickles it)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.img):
        raise FileNotFoundError(f'image_demo: no image at {args.img}')
    if args.trust_checkpoint:
        trust_local_checkpoints()
    model = init_model(args.config, args.checkpoint, device=args.device)
    bboxes = None if args.bbox is None else np.array([args.bbox], np.float32)
    result = inference_human(
        model, args.img, bboxes=bboxes, relation_query=args.show_relation)
    visualizer = HumanVisualizer.get_instance(
        'image_demo', alpha=args.alpha, kpt_thr=args.kpt_thr)
    visualizer.dataset_meta = model.dataset_meta
    image = mmcv.imread(args.img, channel_order='rgb')
    mmcv.imwrite(visualizer.draw_human(image, result)[..., ::-1], args.out_file)
    print(f'wrote {args.out_file}')
    if args.show_relation is not None:
        stem, _ = osp.splitext(args.out_file)
        out = f'{stem}_relation.png'
        drawn = visualizer.draw_relation(image, result.relation, args.show_relation)
        mmcv.imwrite(drawn[..., ::-1], out)
        print(f'wrote {out}')


if __name__ == '__main__':
    main()

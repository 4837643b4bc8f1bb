"""Draw a model's parsing, skeleton and edges on every frame of a video or webcam.

Example::

    python tools/demo/video_demo.py walk.mp4 \
        configs/demo/htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py \
        --weights checkpoints/htcorrm-demo-1a2b3c4d.pth --out-dir outputs

writes ``outputs/visualizations/walk.mp4`` (the input's size and frame rate)
and ``outputs/predictions/walk.json`` (parsing, edge probabilities and keypoints
with scores per frame). The input may also be ``webcam:0``, an image or a
folder of images; the model a config file or a model name of the metafiles.
"""
import argparse

from mmhtc.apis import HumanInferencer, trust_local_checkpoints


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('inputs', help='video file, webcam:<id>, image or image folder')
    parser.add_argument('model', help='config file or model name')
    parser.add_argument('--weights', help='checkpoint file')
    parser.add_argument(
        '--out-dir', required=True, help='folder of the visualizations and predictions')
    parser.add_argument(
        '--no-predictions', action='store_true', help='write the visualizations only')
    parser.add_argument(
        '--show', action='store_true', help='also show each frame in a window')
    parser.add_argument(
        '--batch-size', type=int, default=1, help='frames per model call')
    parser.add_argument('--device', help='e.g. cpu, cuda:0 (default: any)')
    parser.add_argument(
        '--alpha', type=float, default=0.5, help='opacity of the parsing colours')
    parser.add_argument(
        '--kpt-thr', type=float, default=0.3, help='keypoint score threshold')
    parser.add_argument(
        '--edge-thr',
        type=float,
        default=0.5,
        help='edge probability above which a pixel is drawn')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='load a training checkpoint of your own run (unpickles it)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.trust_checkpoint:
        trust_local_checkpoints()
    inferencer = HumanInferencer(args.model, args.weights, args.device)
    outputs = inferencer(
        args.inputs,
        batch_size=args.batch_size,
        out_dir=args.out_dir,
        pred_out_dir='' if args.no_predictions else f'{args.out_dir}/predictions',
        show=args.show,
        wait_time=0.001,
        alpha=args.alpha,
        kpt_thr=args.kpt_thr,
        edge_thr=args.edge_thr)
    for _ in outputs:
        pass
    print(f'wrote {args.out_dir}')


if __name__ == '__main__':
    main()

"""Export the network forward of an mmhtc model to ONNX.

The exported graph is the model's network forward (``mode='tensor'``: backbone,
neck and head, without pre-processing, test-time augmentation or decoding) with
one named output per task, raw logits at the network's output size:

- HTCorrM, parsing or edge main task (``HumanEncoderDecoder``): the main output
  (``cls_seg`` of the refined feature) under the main task's name, then the
  encoders' predictions of the other tasks: ``parsing`` (B, Q, h, w),
  ``pose`` heatmaps (B, J, h, w), ``edge`` logit (B, 1, h, w);
- HTCorrM, pose main task (mmpose's ``TopdownPoseEstimator`` with
  ``HTCorrMPoseHead``): ``pose`` (the refined heatmaps), then ``parsing`` and
  ``edge`` where the core has those encoders;
- NPPNet: the last prediction stage's ``parsing``, ``pose`` and ``edge`` (the
  edge logit, also of two-class edge outputs), as ``NPPNet.predict`` reads them.

The graph is traced by ``torch.onnx.export``'s TorchScript exporter
(``dynamo=False``), opset 17 by default; the fused HNL attention is exported as
the ONNX form of ``scaled_dot_product_attention``. With ``--dynamic`` the batch,
height and width are dynamic axes (every mmhtc network resizes by the sizes of
its feature maps, not by constants).

Usage:
    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx \\
        [--shape 384 384] [--dynamic] [--opset 17] [--cfg-options KEY=VALUE]
"""
import argparse
import os.path as osp
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.config import DictAction
from mmseg.models.utils import Upsample, resize
from torch import Tensor, nn

from mmhtc.apis import init_model
from mmhtc.models.heads import HTCorrMPoseHead, HTCorrMSegHead
from mmhtc.models.segmentors import NPPNet
from mmhtc.models.segmentors.nppnet import edge_logit

TASKS = ('parsing', 'pose', 'edge')
MIN_OPSET = 17


class HTCorrMExport(nn.Module):
    """An HTCorrM model's network forward with one output per task.

    Args:
        model: A ``HumanEncoderDecoder`` (``HTCorrMSegHead``) or a top-down pose
            estimator with ``HTCorrMPoseHead``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        head = self.head
        main = head.core.main
        predicted = [t for t in TASKS if t in head.core.predictors]
        self.output_names = [main] + [t for t in predicted if t != main]

    @property
    def head(self) -> nn.Module:
        return getattr(self.model, 'decode_head', None) or self.model.head

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Images (B, 3, H, W) -> the outputs named ``output_names``."""
        main, outputs = self.head.forward_outputs(self.model.extract_feat(inputs))
        predictions = outputs['predictions']
        return (main, ) + tuple(predictions[t] for t in self.output_names[1:])


class NPPNetExport(nn.Module):
    """NPPNet's network with the last stage's parsing, pose and edge outputs."""

    output_names = ['parsing', 'pose', 'edge']

    def __init__(self, model: NPPNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Images (B, 3, H, W) -> parsing (B, Q, h, w), pose (B, J, h, w) and edge logit
        (B, 1, h, w), at 1/4 of the input."""
        out = self.model.network(inputs)
        last = out.get('final', out['initial'])
        edge = last.get('edge', out['initial']['edge'])
        return last['parsing'], last['pose'], edge_logit(edge)


def _upsample_by_scale(self: Upsample, x: Tensor) -> Tensor:
    """Mmseg's ``Upsample`` resizing by its scale factor, not by sizes computed in
    Python (which tracing turns into constants)."""
    if self.size:
        return resize(x, self.size, None, self.mode, self.align_corners)
    return resize(x, None, self.scale_factor, self.mode, self.align_corners)


@contextmanager
def deploy_rewrites() -> Iterator[None]:
    """Forward rewrites that keep traced graphs valid at every input size:
    mmseg's ``Upsample`` (HRNet's fuse layers) by :func:`_upsample_by_scale`."""
    forward = Upsample.forward
    Upsample.forward = _upsample_by_scale
    try:
        yield
    finally:
        Upsample.forward = forward


def export_module(model: nn.Module) -> nn.Module:
    """The exportable wrapper of an mmhtc model (with ``output_names``)."""
    if isinstance(model, NPPNet):
        if model.searching:
            raise ValueError('pytorch2onnx: the NPPNet config still searches '
                             f'{model.network.search}; export a retraining '
                             'config (fixed genotype)')
        return NPPNetExport(model)
    head = getattr(model, 'decode_head', None) or getattr(model, 'head', None)
    if isinstance(head, (HTCorrMSegHead, HTCorrMPoseHead)):
        return HTCorrMExport(model)
    raise TypeError('pytorch2onnx: exports HTCorrM (HTCorrMSegHead, '
                    'HTCorrMPoseHead) and NPPNet models, got '
                    f'{type(model).__name__} with head {type(head).__name__}')


def export(model: nn.Module,
           out: str,
           shape: Sequence[int] = (384, 384),
           dynamic: bool = False,
           opset: int = MIN_OPSET,
           batch: int = 1) -> List[str]:
    """Export ``model``'s network forward on a (batch, 3, H, W) input to ``out``.

    Returns:
        The output names, in the graph's order.
    """
    if opset < MIN_OPSET:
        raise ValueError(f'pytorch2onnx: opset must be >= {MIN_OPSET}, got '
                         f'{opset}')
    wrapper = export_module(model).eval()
    device = next(model.parameters()).device
    inputs = torch.randn(batch, 3, *shape, device=device)
    names = list(wrapper.output_names)
    dynamic_axes: Optional[Dict[str, Dict[int, str]]] = None
    if dynamic:
        axes = {0: 'batch', 2: 'height', 3: 'width'}
        dynamic_axes = {name: axes for name in ['input'] + names}
    with torch.no_grad(), deploy_rewrites():
        torch.onnx.export(
            wrapper, (inputs, ),
            out,
            input_names=['input'],
            output_names=names,
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            dynamo=False)
    return names


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export an mmhtc model\'s network forward to ONNX')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[384, 384],
        help='input H W of the traced graph')
    parser.add_argument(
        '--dynamic', action='store_true', help='dynamic batch, height and width')
    parser.add_argument(
        '--opset', type=int, default=MIN_OPSET, help=f'ONNX opset (>= {MIN_OPSET})')
    parser.add_argument('--device', default='cpu', help='cpu or cuda')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='config overrides, as tools/test.py takes them')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'pytorch2onnx: no checkpoint file {args.checkpoint}')
    model = init_model(
        args.config, args.checkpoint, device=args.device, cfg_options=args.cfg_options)
    names = export(model, args.out, args.shape, args.dynamic, args.opset)
    print(f'{args.out}: outputs {", ".join(names)} '
          f'({"dynamic" if args.dynamic else "fixed"} input '
          f'{args.shape[0]} x {args.shape[1]}, opset {args.opset})')
    return names


if __name__ == '__main__':
    main()

"""HRNet returning the outputs of chosen stages.

HTCorrM (Sec. 4.2) reads HRNetV2's stage 1, stage 3 and stage 4 outputs as G1, G2
and G3. ``HRNetTaps`` is the stock HRNet, module for module and name for name (its
pretrained weights load unchanged), whose forward returns those stages' outputs.
It exists in both worlds, each on that library's own HRNet: mmseg's (bilinear
upsampling in the fusions) and mmpose's (nearest).
"""
from typing import List, Sequence, Tuple

from mmpose.models.backbones import HRNet as PoseHRNet
from mmseg.models.backbones import HRNet as SegHRNet
from torch import Tensor

from ...registry import POSE_MODELS, SEG_MODELS


class StageOutputsMixin:
    """HRNet's forward returning the outputs of the stages ``out_stages``.

    Stage 1 has one output, at 1/4 of the input with stage 1's channels times its
    block's expansion (256 in HRNetV2). Stage k > 1 has one output per branch (1/4,
    1/8, ... of the input), each the fusion of all the stage's branches by its last
    module; when that module fuses into the 1/4 branch alone (stage 4 of the stock
    top-down pose HRNet, ``multiscale_output=False``) the stage has that one output
    and the fusions into the other branches do not exist.

    Args:
        *args, **kwargs: Arguments of the HRNet.
        out_stages: The stages whose outputs are returned, increasing, among
            1 to 4. Default: (1, 3, 4).
    """

    def __init__(self, *args, out_stages: Sequence[int] = (1, 3, 4), **kwargs) -> None:
        out_stages = tuple(out_stages)
        if (not out_stages or list(out_stages) != sorted(set(out_stages))
                or not set(out_stages) <= {1, 2, 3, 4}):
            raise ValueError(f'{type(self).__name__}: out_stages must be '
                             'increasing stage numbers among 1, 2, 3, 4, got '
                             f'{out_stages!r}')
        super().__init__(*args, **kwargs)
        self.out_stages = out_stages

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """(B, C_in, H, W) -> the outputs of ``out_stages``, stage by stage and, within
        a stage, branch by branch from the highest resolution."""
        x = self.relu(self.norm1(self.conv1(x)))
        x = self.relu(self.norm2(self.conv2(x)))
        y_list: List[Tensor] = [self.layer1(x)]
        outs = list(y_list) if 1 in self.out_stages else []
        for stage in (2, 3, 4):
            transition = getattr(self, f'transition{stage - 1}')
            x_list = [
                y_list[i] if layer is None else layer(y_list[-1])
                for i, layer in enumerate(transition)
            ]
            y_list = getattr(self, f'stage{stage}')(x_list)
            if stage in self.out_stages:
                outs.extend(y_list)
        return tuple(outs)


class SegHRNetTaps(StageOutputsMixin, SegHRNet):
    """Mmseg's HRNet returning the outputs of ``out_stages``; ``HRNetTaps`` in mmseg's
    MODELS.

    With the defaults (``out_stages=(1, 3, 4)``, mmseg's ``multiscale_output=True``)
    it returns 8 features: stage 1's (B, 256, H/4, W/4) (HRNetV2's bottlenecks of
    64 x 4 channels), then stage 3's 3 and stage 4's 4 branches
    :math:`(B, c_i, H/2^{i+2}, W/2^{i+2})`, :math:`c_i` the branch channels.
    """


class PoseHRNetTaps(StageOutputsMixin, PoseHRNet):
    """Mmpose's HRNet returning the outputs of ``out_stages``; ``HRNetTaps`` in mmpose's
    MODELS.

    With the defaults (``out_stages=(1, 3, 4)``, mmpose's
    ``extra.stage4.multiscale_output=False``) it returns 5 features: stage 1's
    (B, 256, H/4, W/4), stage 3's 3 branches
    :math:`(B, c_i, H/2^{i+2}, W/2^{i+2})` and stage 4's output
    :math:`(B, c_0, H/4, W/4)`, the stock pose HRNet's only output.
    """


SEG_MODELS.register_module(name='HRNetTaps', module=SegHRNetTaps)
POSE_MODELS.register_module(name='HRNetTaps', module=PoseHRNetTaps)

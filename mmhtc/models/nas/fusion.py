"""NPPNet's high-level feature fusion: stacked pose and parsing cells (Sec.

3.5).
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from .cells import Cell
from .mixed_op import ArchitectureParameters
from .operations import ReLUConvBN
from .structure import (CELL_NUM_INPUTS, FUSION_INPUT_NAMES, FUSION_OUTPUT_NAMES,
                        NUM_NODES, cell_edges)


class FusionCell(nn.Module):
    """A pose or parsing cell with two outputs.

    Each of the 3 inputs (B, C_i, H, W) is projected to C channels by a 1 x 1
    ReLU-conv-BN (as in the authors' release); the cell's 4 nodes are computed
    on the projections. Outputs: the concatenated nodes (B, 4C, H, W), the next
    pose (parsing) feature, and the concatenated projected inputs
    (B, 3C, H, W), the next pose-auxiliary (edge) feature.

    Args:
        in_channels: Channels of the 3 inputs.
        channels: C.
        norm_cfg: Norm layer of the projections and operations. Default: BN.
        **cell_args: :class:`Cell` arguments (genotype, or op_names and
            partial_channels).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int,
                 norm_cfg: Optional[dict] = None,
                 **cell_args) -> None:
        super().__init__()
        self.pre = nn.ModuleList(
            ReLUConvBN(c, channels, 1, norm_cfg=norm_cfg) for c in in_channels)
        self.cell = Cell(
            channels, len(in_channels), 'normal', norm_cfg=norm_cfg, **cell_args)

    def forward(self, inputs: Sequence[Tensor],
                arch: Optional[ArchitectureParameters]) -> Tuple[Tensor, Tensor]:
        """3 inputs -> (nodes (B, 4C, H, W), inputs (B, 3C, H, W))."""
        projected = [pre(x) for pre, x in zip(self.pre, inputs)]
        return self.cell(projected, arch), torch.cat(projected, 1)


class Fusion(nn.Module):
    """``num_layers`` layers of a pose cell and a parsing cell.

    Layer l reads the four features of layer l - 1 (the high-level features,
    of ``in_channels``, for l = 0): the pose cell (pose-aux, pose, parsing) gives
    the next pose (its nodes) and pose-aux (its inputs) features, the parsing cell
    (edge, pose, parsing) the next parsing and edge features. Cells of one type
    share their genotype (or, when searched, architecture parameters).

    Args:
        channels: C, channels of the high-level features and of the cells.
        num_layers: Stacked layers (pose and parsing cells each).
        genotype: ``pose`` and ``par`` cells, or None to search.
        op_names: Candidate operations when searching.
        partial_channels: K of the mixed operations.
        norm_cfg: Norm layer. Default: BN.
        op_cfg: Variants of the operations (:func:`.operations.build_op`).
        in_channels: Channels of the four high-level features by name.
            Default: C each.
    """

    def __init__(self,
                 channels: int,
                 num_layers: int = 3,
                 genotype: Optional[Dict] = None,
                 op_names: Sequence[str] = (),
                 partial_channels: int = 2,
                 norm_cfg: Optional[dict] = None,
                 op_cfg: Optional[dict] = None,
                 in_channels: Optional[Dict[str, int]] = None) -> None:
        super().__init__()
        self.arch = nn.ModuleDict()
        if genotype is None:
            for name in FUSION_INPUT_NAMES:
                self.arch[name] = ArchitectureParameters(
                    cell_edges(CELL_NUM_INPUTS[name]), len(op_names))
        feature_channels = dict(
            in_channels
            or dict(pose=channels, pose_aux=channels, parsing=channels, edge=channels))
        self.layers = nn.ModuleList()
        for _ in range(num_layers):
            layer = nn.ModuleDict()
            for name, inputs in FUSION_INPUT_NAMES.items():
                cell_args = (
                    dict(op_names=op_names, partial_channels=partial_channels)
                    if genotype is None else dict(genotype=genotype[name]))
                cell_args['op_cfg'] = op_cfg
                layer[name] = FusionCell([feature_channels[n] for n in inputs],
                                         channels, norm_cfg, **cell_args)
            self.layers.append(layer)
            for name, inputs in FUSION_INPUT_NAMES.items():
                nodes, passed = FUSION_OUTPUT_NAMES[name]
                feature_channels[nodes] = NUM_NODES * channels
                feature_channels[passed] = len(inputs) * channels
        #: Channels of the four output features.
        self.out_channels = feature_channels

    def forward(self, feats: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """The four high-level features (B, C, H, W) by name -> the fused ones (channels
        in :attr:`out_channels`)."""
        for layer in self.layers:
            fused = {}
            for name, inputs in FUSION_INPUT_NAMES.items():
                arch = self.arch[name] if name in self.arch else None
                outputs = layer[name]([feats[n] for n in inputs], arch)
                fused.update(zip(FUSION_OUTPUT_NAMES[name], outputs))
            feats = fused
        return feats

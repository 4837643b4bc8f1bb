"""NPPNet's high-level feature fusion: stacked pose and parsing cells (Sec. 3.5)."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from .cells import NUM_NODES, Cell, cell_edges
from .mixed_op import ArchitectureParameters

#: The inputs of each fusion cell, in genotype order.
CELL_INPUTS = dict(pose=('pose_aux', 'pose', 'parsing'),
                   par=('edge', 'pose', 'parsing'))


class FusionCell(nn.Module):
    """A pose or parsing cell: 3 inputs, 4 nodes, two outputs (the concatenated
    nodes, 4C, and the concatenated inputs, 3C), merged by a 1 x 1 convolution
    + BN + ReLU into the next C-channel task feature."""

    def __init__(self, channels: int, **cell_args) -> None:
        super().__init__()
        self.cell = Cell(channels, 3, 'normal', **cell_args)
        self.merge = ConvModule((NUM_NODES + 3) * channels, channels, 1,
                                norm_cfg=dict(type='BN'))

    def forward(self, inputs: Sequence[Tensor],
                arch: Optional[ArchitectureParameters]) -> Tensor:
        nodes = self.cell(inputs, arch)
        return self.merge(torch.cat([nodes, *inputs], 1))


class Fusion(nn.Module):
    """``num_layers`` layers of a pose cell and a parsing cell.

    Layer l updates the pose feature from (pose-aux, pose, parsing) and the
    parsing feature from (edge, pose, parsing); the auxiliary features stay.
    Cells of one type share their genotype (or, when searched, architecture
    parameters).

    Args:
        channels: C of the four high-level features.
        num_layers: Stacked layers (pose and parsing cells each).
        genotype: ``pose`` and ``par`` cells, or None to search.
        op_names: Candidate operations when searching.
        partial_channels: K of the mixed operations.
    """

    def __init__(self,
                 channels: int,
                 num_layers: int = 3,
                 genotype: Optional[Dict] = None,
                 op_names: Sequence[str] = (),
                 partial_channels: int = 2) -> None:
        super().__init__()
        self.arch = nn.ModuleDict()
        self.layers = nn.ModuleList()
        for name in CELL_INPUTS:
            if genotype is None:
                self.arch[name] = ArchitectureParameters(
                    cell_edges(3), len(op_names))
        for _ in range(num_layers):
            self.layers.append(
                nn.ModuleDict({
                    name: FusionCell(
                        channels,
                        **(dict(op_names=op_names,
                                partial_channels=partial_channels)
                           if genotype is None else dict(
                               genotype=genotype[name])))
                    for name in CELL_INPUTS
                }))

    def forward(self, feats: Dict[str, Tensor]) -> Tuple[Tensor, Tensor]:
        """High-level features (B, C, H, W) by name -> fused (pose, parsing)."""
        feats = dict(feats)
        for layer in self.layers:
            pose = layer['pose']([feats[n] for n in CELL_INPUTS['pose']],
                                 self.arch['pose'] if self.arch else None)
            parsing = layer['par']([feats[n] for n in CELL_INPUTS['par']],
                                   self.arch['par'] if self.arch else None)
            feats.update(pose=pose, parsing=parsing)
        return feats['pose'], feats['parsing']

"""NPPNet's dense multi-scale feature interaction (Sec.

3.4, eq. 4-5).
"""
from typing import Optional, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .mixed_op import ArchitectureParameters, MixedOp
from .operations import build_op, norm_layer

#: How interaction edges map channels: 1 x 1 conv + norm layer where the
#: channels differ (the default), or 1 x 1 conv with bias wherever the source
#: is not the target's own level (the authors' release).
PROJECTIONS = ('conv_norm', 'conv_bias')


class InteractionEdge(nn.Module):
    """An operation on a source feature, resized bilinearly to the target's size and
    mapped to its channels by ``project`` (a 1 x 1 convolution + norm layer, or with
    bias, or None)."""

    def __init__(self,
                 op: nn.Module,
                 project: Optional[nn.Module],
                 align_corners: bool = False) -> None:
        super().__init__()
        self.op = op
        self.project = project
        self.align_corners = align_corners

    def forward(self, x: Tensor, size, weights: Optional[Tensor] = None):
        y = self.op(x) if weights is None else self.op(x, weights)
        if y.shape[2:] != size:
            y = F.interpolate(
                y, size, mode='bilinear', align_corners=self.align_corners)
        return y if self.project is None else self.project(y)


def _projection(kind: str, in_channels: int, out_channels: int, own: bool,
                norm_cfg: Optional[dict]) -> Optional[nn.Module]:
    if kind == 'conv_bias':
        return None if own else nn.Conv2d(in_channels, out_channels, 1)
    if in_channels == out_channels:
        return None
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, bias=False),
        norm_layer(norm_cfg, out_channels))


class Interaction(nn.Module):
    """One direction of the interaction: target nodes of one branch absorb the
    other branch's features, FL_t' = FL_t + sum over edges into t.

    Target node t may read sources ``0 .. num_sources[t] - 1``; the last is the
    other branch's feature at the target's own level.

    - searchable (``genotype=None``): every allowed source feeds node t through a
      :class:`MixedOp`, weighted by softmax(beta) over the node's edges (eq. 4);
    - fixed: ``genotype[t]`` lists the node's ``[op, source]`` pairs, summed.

    Args:
        source_channels: Channels of each source feature.
        target_channels: Channels of each target node.
        num_sources: Per target node, how many sources it reads.
        genotype: The fixed interaction, or None to search.
        op_names: Candidate operations when searching.
        partial_channels: K of the mixed operations.
        norm_cfg: Norm layer of the operations and projections. Default: BN.
        op_cfg: Variants of the operations (:func:`.operations.build_op`) and
            ``align_corners`` of the resizing.
        projection: One of :data:`PROJECTIONS`. Default: 'conv_norm'.
    """

    def __init__(self,
                 source_channels: Sequence[int],
                 target_channels: Sequence[int],
                 num_sources: Sequence[int],
                 genotype: Optional[Sequence] = None,
                 op_names: Sequence[str] = (),
                 partial_channels: int = 2,
                 norm_cfg: Optional[dict] = None,
                 op_cfg: Optional[dict] = None,
                 projection: str = 'conv_norm') -> None:
        super().__init__()
        if projection not in PROJECTIONS:
            raise ValueError(f'Interaction: projection must be one of '
                             f'{PROJECTIONS}, got {projection!r}')
        align_corners = (op_cfg or {}).get('align_corners', False)
        self.searchable = genotype is None
        self.arch = ArchitectureParameters(num_sources,
                                           len(op_names)) if self.searchable else None
        if self.searchable:
            genotype = [[(None, j) for j in range(n)] for n in num_sources]
        self.sources = [[int(j) for _, j in pairs] for pairs in genotype]
        self.nodes = nn.ModuleList()
        for t, pairs in enumerate(genotype):
            edges = nn.ModuleList()
            for name, j in pairs:
                c = source_channels[j]
                op = (
                    MixedOp(c, op_names, 1, partial_channels, norm_cfg, op_cfg)
                    if self.searchable else build_op(name, c, 1, norm_cfg, op_cfg))
                project = _projection(projection, c, target_channels[t],
                                      int(j) == num_sources[t] - 1, norm_cfg)
                edges.append(InteractionEdge(op, project, align_corners))
            self.nodes.append(edges)

    def forward(self, t: int, target: Tensor, sources: Sequence[Tensor]) -> Tensor:
        """Node t's feature (B, C_t, H_t, W_t) plus what it absorbs from the computed
        ``sources``."""
        size = target.shape[2:]
        if not self.searchable:
            return target + sum((edge(sources[j], size)
                                 for edge, j in zip(self.nodes[t], self.sources[t])),
                                torch.zeros_like(target))
        start = sum(len(s) for s in self.sources[:t])
        count = len(self.sources[t])
        op_weights = self.arch.op_weights()[start:start + count]
        edge_weights = self.arch.edge_weights()[start:start + count]
        out = target
        for i, (edge, j) in enumerate(zip(self.nodes[t], self.sources[t])):
            out = out + edge_weights[i] * edge(sources[j], size, op_weights[i])
        return out

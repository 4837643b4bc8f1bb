"""DARTS-style cells: searchable (mixed operations) or fixed (from a genotype)."""
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .mixed_op import ArchitectureParameters, MixedOp
from .operations import build_op
from .structure import NUM_NODES, cell_edges


class Cell(nn.Module):
    """A cell of ``num_inputs`` inputs and four nodes; its output is the channel
    concatenation of the nodes, (B, 4C, H, W).

    Node k is computed from the inputs and the earlier nodes:

    - searchable (``genotype=None``): every state feeds node k through a
      :class:`MixedOp` over ``op_names``, the results summed with the edge weights
      softmax(beta) (PC-DARTS); the architecture parameters are passed to
      :meth:`forward`, so cells of one type share them (as in DARTS);
    - fixed: ``genotype`` lists 8 ``(op, state)`` pairs, node k = op_{2k}(state)
      + op_{2k+1}(state); states 0..num_inputs-1 are the inputs, num_inputs + k
      node k.

    All states have C channels (the caller projects the inputs). ``kind`` sets
    where the resolution changes: 'normal' (none), 'reduce' (operations on the
    inputs have stride 2) or 'upsample' (results of operations on input 0, the
    low-resolution one, are resized bilinearly to input 1's size, with
    ``op_cfg['align_corners']``).

    Args:
        channels: C, channels of every state.
        num_inputs: 2 (encoder and decoder cells) or 3 (fusion cells).
        kind: 'normal', 'reduce' or 'upsample'.
        genotype: The fixed cell's 8 (op, state) pairs, or None to search.
        op_names: Candidate operations of a searchable cell.
        partial_channels: K of the mixed operations.
        norm_cfg: Norm layer of the operations. Default: BN.
        op_cfg: Variants of the operations (:func:`.operations.build_op`) and
            ``align_corners`` of the resizing.
    """

    def __init__(self,
                 channels: int,
                 num_inputs: int = 2,
                 kind: str = 'normal',
                 genotype: Optional[Sequence[Tuple[str, int]]] = None,
                 op_names: Sequence[str] = (),
                 partial_channels: int = 2,
                 norm_cfg: Optional[dict] = None,
                 op_cfg: Optional[dict] = None) -> None:
        super().__init__()
        if kind not in ('normal', 'reduce', 'upsample'):
            raise ValueError(f'Cell: unknown kind {kind!r}')
        self.num_inputs = num_inputs
        self.kind = kind
        self.searchable = genotype is None
        self.align_corners = (op_cfg or {}).get('align_corners', False)
        if self.searchable:
            self.edges = [(k, j) for k, n in enumerate(cell_edges(num_inputs))
                          for j in range(n)]
            self.ops = nn.ModuleList(
                MixedOp(channels, op_names, self._stride(j), partial_channels, norm_cfg,
                        op_cfg) for _, j in self.edges)
        else:
            self.edges = [(i // 2, int(j)) for i, (_, j) in enumerate(genotype)]
            self.ops = nn.ModuleList(
                build_op(name, channels, self._stride(int(j)), norm_cfg, op_cfg)
                for name, j in genotype)

    def _stride(self, state: int) -> int:
        return 2 if self.kind == 'reduce' and state < self.num_inputs else 1

    def _edge(self, index: int, x: Tensor, size, weights) -> Tensor:
        op = self.ops[index]
        y = op(x) if weights is None else op(x, weights[index])
        state = self.edges[index][1]
        if self.kind == 'upsample' and state == 0:
            y = F.interpolate(
                y, size, mode='bilinear', align_corners=self.align_corners)
        return y

    def forward(self,
                inputs: Sequence[Tensor],
                arch: Optional[ArchitectureParameters] = None) -> Tensor:
        """Inputs (B, C, H_i, W_i) -> (B, 4C, H, W)."""
        if self.searchable and arch is None:
            raise ValueError('Cell: a searchable cell needs its architecture '
                             'parameters')
        size = inputs[-1].shape[2:] if self.kind == 'upsample' else None
        op_weights = arch.op_weights() if self.searchable else None
        edge_weights = arch.edge_weights() if self.searchable else None
        states = list(inputs)
        for k in range(NUM_NODES):
            node = 0
            for e, (target, j) in enumerate(self.edges):
                if target != k:
                    continue
                y = self._edge(e, states[j], size, op_weights)
                node = node + (y if edge_weights is None else edge_weights[e] * y)
            states.append(node)
        return torch.cat(states[self.num_inputs:], 1)

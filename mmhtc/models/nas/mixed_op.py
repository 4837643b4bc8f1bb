"""PC-DARTS choices: architecture parameters and the partial-channel mixed op."""
import math
from typing import Optional, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .operations import build_op


class ArchitectureParameters(nn.Module):
    """The architecture parameters of one searchable part, kept apart from its network
    weights (the search optimises them with their own optimizer).

    The part is a set of nodes; node ``n`` has ``edges_per_node[n]`` incoming
    edges, each a mixed operation over ``num_ops`` candidates. ``alpha`` (E, O)
    weighs the operations of each edge, ``beta`` (E,) the edges of each node
    (PC-DARTS edge normalisation, NPPNet eq. 2); both start at 1e-3 * N(0, 1).

    Args:
        edges_per_node: Incoming edges per node, E = their sum.
        num_ops: Candidate operations per edge, O.
    """

    def __init__(self, edges_per_node: Sequence[int], num_ops: int) -> None:
        super().__init__()
        self.edges_per_node = tuple(int(n) for n in edges_per_node)
        num_edges = sum(self.edges_per_node)
        self.alpha = nn.Parameter(1e-3 * torch.randn(num_edges, num_ops))
        self.beta = nn.Parameter(1e-3 * torch.randn(num_edges))

    def op_weights(self) -> Tensor:
        """Softmax(alpha) over the operations of each edge: (E, O)."""
        return F.softmax(self.alpha, dim=-1)

    def edge_weights(self) -> Tensor:
        """Softmax(beta) over the incoming edges of each node: (E,)."""
        return torch.cat(
            [F.softmax(b, dim=0) for b in self.beta.split(list(self.edges_per_node))])

    def gamma(self) -> Tensor:
        """The contribution of each operation of each edge (eq.

        2): (E, O).
        """
        return self.edge_weights()[:, None] * self.op_weights()

    def entropy(self, reduction: str = 'sum') -> Tensor:
        """E(A) of eq. 8 over the edges' softmax(alpha), in nats.

        Args:
            reduction: 'sum' (eq. 8 as written: the summed entropy of every
                edge) or 'mean' (the authors' release: the mean over the edges
                of the entropy divided by its maximum, ln O, so in [0, 1]).
        """
        p = self.op_weights()
        per_edge = -(p * F.log_softmax(self.alpha, dim=-1)).sum(-1)
        if reduction == 'sum':
            return per_edge.sum()
        if reduction == 'mean':
            return per_edge.mean() / math.log(self.alpha.shape[1])
        raise ValueError(f"ArchitectureParameters: entropy reduction must be "
                         f"'sum' or 'mean', got {reduction!r}")


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``groups`` equal channel groups."""
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


class MixedOp(nn.Module):
    """PC-DARTS mixed operation (NPPNet eq. 1).

    The first C / K channels go through every candidate operation and are summed
    with the given weights; the other channels bypass them (max-pooled when the
    operation is strided); the two parts are concatenated and channel-shuffled in
    K groups. With K = 1 it is the DARTS mixed operation.

    Args:
        channels: Input (and output) channels C, divisible by K.
        op_names: The candidate operations.
        stride: 1 or 2.
        partial_channels: K.
        norm_cfg: Norm layer of the operations. Default: BN.
        op_cfg: Variants of the operations (:func:`.operations.build_op`).
    """

    def __init__(self,
                 channels: int,
                 op_names: Sequence[str],
                 stride: int = 1,
                 partial_channels: int = 2,
                 norm_cfg: Optional[dict] = None,
                 op_cfg: Optional[dict] = None) -> None:
        super().__init__()
        if channels % partial_channels:
            raise ValueError(f'MixedOp: {channels} channels are not divisible '
                             f'by partial_channels={partial_channels}')
        self.k = partial_channels
        self.stride = stride
        self.ops = nn.ModuleList(
            build_op(name, channels // partial_channels, stride, norm_cfg, op_cfg)
            for name in op_names)

    def forward(self, x: Tensor, weights: Tensor) -> Tensor:
        """(B, C, H, W) and operation weights (O,) -> (B, C, H/s, W/s)."""
        part = x.shape[1] // self.k
        active, bypass = x[:, :part], x[:, part:]
        out = sum(w * op(active) for w, op in zip(weights, self.ops))
        if self.k == 1:
            return out
        if self.stride == 2:
            bypass = F.max_pool2d(bypass, 2, 2, ceil_mode=True)
        return channel_shuffle(torch.cat((out, bypass), 1), self.k)


def architecture_parameters(model: nn.Module):
    """Every architecture parameter of ``model`` (those of
    :class:`ArchitectureParameters` modules)."""
    for module in model.modules():
        if isinstance(module, ArchitectureParameters):
            yield from module.parameters(recurse=False)

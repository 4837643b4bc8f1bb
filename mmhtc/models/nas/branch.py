"""One task branch of NPPNet: a cell-based encoder and decoder (Sec. 3.3)."""
from typing import Dict, List, Optional, Sequence, Tuple

from torch import Tensor, nn

from .cells import Cell
from .mixed_op import ArchitectureParameters
from .operations import FactorizedReduce, ReLUConvBN, norm_layer
from .structure import (CELL_NUM_INPUTS, NUM_DECODER_CELLS, NUM_LEVELS, PART_CELLS,
                        cell_edges)


class EncoderCell(nn.Module):
    """A cell with DARTS' input projections: s0 (B, C0, ...), s1 (B, C1, ...) -> (B, 4C,
    ...).

    ``reduce_s0`` halves s0 when the previous cell reduced.
    """

    def __init__(self, in_channels: Tuple[int, int], channels: int, reduce_s0: bool,
                 norm_cfg: Optional[dict], **cell_args) -> None:
        super().__init__()
        self.pre0 = (
            FactorizedReduce(in_channels[0], channels, norm_cfg) if reduce_s0 else
            ReLUConvBN(in_channels[0], channels, 1, norm_cfg=norm_cfg))
        self.pre1 = ReLUConvBN(in_channels[1], channels, 1, norm_cfg=norm_cfg)
        self.cell = Cell(channels, 2, norm_cfg=norm_cfg, **cell_args)

    def forward(self,
                s0: Tensor,
                s1: Tensor,
                arch: Optional[ArchitectureParameters] = None) -> Tensor:
        return self.cell([self.pre0(s0), self.pre1(s1)], arch)


class EncoderDecoderBranch(nn.Module):
    """Stem, ``num_cells`` encoder cells and three decoding cells of one task.

    The stem (two 3 x 3 stride-2 convolutions, C/2 and C channels) brings the
    image to 1/4 and feeds both inputs of the first cell; with ``deep_stem``
    (the authors' release) a ReLU and a third 3 x 3 convolution + norm
    (C -> C) follow, the second convolution's output feeding the first cell's
    s0 and the third's its s1. Cells
    ``L/4``, ``L/2`` and ``3L/4`` are reduction cells, so the encoder's levels
    (the outputs of the last cell at each resolution) are at 1/4, 1/8, 1/16 and
    1/32 with C, 2C, 4C and 8C channels. Decoding cell t takes the
    lower-resolution feature (level 3, then the previous decoding output) and the
    skip (level 2 - t), both projected to a quarter of the skip's channels, and
    outputs the skip's size and channels: 4C at 1/16, 2C at 1/8, C at 1/4. The
    three decoding cells share the branch's decoder genotype (or, searched, its
    decoder architecture parameters); the other branch has its own.

    Args:
        channels: C.
        num_cells: L, a multiple of 4.
        genotype: ``encoder``: this branch's ``normal`` and ``reduce`` cells;
            ``decoder``: its decoding cell; None for a part that is searched.
        op_names: Per searched part, its candidate operations.
        partial_channels: K of the searched parts' mixed operations.
        norm_cfg: Norm layer of the stem, projections and operations.
            Default: BN.
        op_cfg: Variants of the operations (:func:`.operations.build_op`) and
            ``align_corners`` of the decoding cells' upsampling.
        deep_stem: The release's three-convolution stem. Default: False.
    """

    def __init__(self,
                 channels: int,
                 num_cells: int,
                 genotype: Dict[str, Optional[object]],
                 op_names: Dict[str, Sequence[str]],
                 partial_channels: int = 2,
                 norm_cfg: Optional[dict] = None,
                 op_cfg: Optional[dict] = None,
                 deep_stem: bool = False) -> None:
        super().__init__()
        if num_cells % 4 or num_cells <= 0:
            raise ValueError(f'EncoderDecoderBranch: num_cells must be a '
                             f'positive multiple of 4, got {num_cells}')
        if channels % 4:
            raise ValueError(f'EncoderDecoderBranch: channels must be a '
                             f'multiple of 4, got {channels}')
        self.genotype = genotype
        self.op_cfg = op_cfg
        self.arch = nn.ModuleDict()
        for part, cells in genotype.items():
            if cells is None:
                for name in PART_CELLS[part]:
                    self.arch[name] = ArchitectureParameters(
                        cell_edges(CELL_NUM_INPUTS[name]), len(op_names[part]))
        self.stem = nn.Sequential(
            nn.Conv2d(3, channels // 2, 3, 2, 1, bias=False),
            norm_layer(norm_cfg, channels // 2), nn.ReLU(inplace=True),
            nn.Conv2d(channels // 2, channels, 3, 2, 1, bias=False),
            norm_layer(norm_cfg, channels),
            *([nn.ReLU(inplace=True)] if deep_stem else []))
        self.stem_s1 = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False),
            norm_layer(norm_cfg, channels)) if deep_stem else None
        self.level_cells = num_cells // NUM_LEVELS
        self.cells = nn.ModuleList()
        c_pp, c_p, c_node, reduced = channels, channels, channels // 4, False
        for i in range(num_cells):
            kind = 'reduce' if i and i % self.level_cells == 0 else 'normal'
            if kind == 'reduce':
                c_node *= 2
            self.cells.append(
                EncoderCell((c_pp, c_p), c_node, reduced, norm_cfg,
                            **self._cell_args('encoder', kind, op_names,
                                              partial_channels)))
            reduced = kind == 'reduce'
            c_pp, c_p = c_p, 4 * c_node
        self.level_channels = [channels * 2**i for i in range(NUM_LEVELS)]
        self.decoder = nn.ModuleList()
        for t in range(NUM_DECODER_CELLS):
            low = self.level_channels[NUM_LEVELS - 1 - t]
            skip = self.level_channels[NUM_LEVELS - 2 - t]
            self.decoder.append(
                nn.ModuleDict(
                    dict(
                        pre0=ReLUConvBN(low, skip // 4, 1, norm_cfg=norm_cfg),
                        pre1=ReLUConvBN(skip, skip // 4, 1, norm_cfg=norm_cfg),
                        cell=Cell(
                            skip // 4,
                            2,
                            norm_cfg=norm_cfg,
                            **self._cell_args('decoder', 'upsample', op_names,
                                              partial_channels)))))

    @property
    def out_channels(self) -> List[int]:
        """Channels of the 7 features: 4 levels, then 3 decoder outputs."""
        return self.level_channels + self.level_channels[-2::-1]

    def _cell_args(self, part: str, kind: str, op_names, k: int) -> dict:
        cells = self.genotype[part]
        if cells is None:
            return dict(
                kind=kind,
                op_names=op_names[part],
                partial_channels=k,
                op_cfg=self.op_cfg)
        return dict(
            kind=kind,
            op_cfg=self.op_cfg,
            genotype=cells if part == 'decoder' else cells[kind])

    def _arch(self, name: str) -> Optional[ArchitectureParameters]:
        return self.arch[name] if name in self.arch else None

    def forward_stem(self, x: Tensor) -> List[Tensor]:
        """The image (B, 3, H, W) -> the first cells' inputs [s0, s1]."""
        stem = self.stem(x)
        return [stem, stem if self.stem_s1 is None else self.stem_s1(stem)]

    def output_size(self, size: Sequence[int]) -> Tuple[int, int]:
        """(h, w) of the first level (and of the predictions) for an input of ``size``
        (H, W): the stem's convolutions applied to it."""
        h, w = size
        for conv in self.stem.modules():
            if isinstance(conv, nn.Conv2d):
                k, s, p, d = (conv.kernel_size[0], conv.stride[0], conv.padding[0],
                              conv.dilation[0])
                h, w = ((n + 2 * p - d * (k - 1) - 1) // s + 1 for n in (h, w))
        return h, w

    def forward_level(self, level: int, states: List[Tensor]) -> List[Tensor]:
        """Run the cells of ``level`` on [s0, s1]; returns the new [s0, s1] (s1 is the
        level's feature)."""
        s0, s1 = states
        for cell in self.cells[level * self.level_cells:(level + 1) * self.level_cells]:
            kind = cell.cell.kind
            s0, s1 = s1, cell(s0, s1, self._arch(kind))
        return [s0, s1]

    def forward_decoder(self, t: int, low: Tensor, skip: Tensor) -> Tensor:
        """Decoding cell t on the low-resolution feature and the skip."""
        decoder = self.decoder[t]
        return decoder['cell']([decoder['pre0'](low), decoder['pre1'](skip)],
                               self._arch('upsample'))

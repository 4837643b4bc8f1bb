"""The NPPNet network: two branches, their interaction, heads and fusion."""
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn
from torch.nn import functional as F

from ...registry import SEG_MODELS
from .branch import EncoderDecoderBranch
from .fusion import Fusion
from .genotype import derive_cell, derive_interaction, load_genotype
from .interaction import Interaction
from .mixed_op import ArchitectureParameters
from .operations import ENCODER_DECODER_OPS, INTERACTION_FUSION_OPS, norm_layer
from .structure import (BRANCHES, CELL_NUM_INPUTS, FUSION_INPUT_NAMES, HIGH_LEVEL,
                        INTERACTION_TASKS, NUM_DECODER_CELLS, NUM_LEVELS, PART_CELLS,
                        interaction_sources)

PARTS = ('encoder', 'decoder', 'interaction', 'fusion')
#: What a target node reads of the other branch's earlier levels: the cells'
#: outputs (eq. 4-5) or the features after their own interaction (the release).
INTERACTION_READS = ('cell_outputs', 'interacted')


@SEG_MODELS.register_module()
class NPPNetwork(BaseModule):
    """NPPNet's network (Fig. 2), searchable or fixed part by part.

    Each branch (pose, parsing) is an :class:`EncoderDecoderBranch` giving 7
    features (4 encoder levels, 3 decoder outputs). The interaction (when present)
    updates every level of each branch from the other branch's features computed
    so far, level by level in both branches. The features at ``head_levels``,
    resized to 1/4 and concatenated, give through 1 x 1 convolutions the
    high-level features FH (C channels): pose and pose-auxiliary from the pose
    branch, parsing and edge from the parsing branch (eq. 6), and 1 x 1 predictors
    give the initial predictions. The fusion (when present) refines the four
    features; 1 x 1 predictors on its pose and parsing features give the final
    predictions.

    The defaults are the paper's reading; the arguments after ``align_corners``
    select what the authors' release does where the paper is silent
    (``configs/nppnet/nppnet_c128-l16-release_*`` sets them all; see
    ``configs/nppnet/README.md``).

    Args:
        channels: C.
        num_cells: L, encoder cells per branch.
        num_classes: Parsing classes. num_keypoints: Joints.
        genotype: A genotype file or dict (:mod:`.genotype`) for the fixed parts.
        genotype_from: The config of the search stage that writes the genotype
            (its work dir's ``genotype.yaml``), for configs that retrain or
            continue it: ``genotype`` must then be given (``--cfg-options
            model.network.genotype=PATH``) and exist, else the error names the
            key, the file and this config.
        search: The searched parts, from 'encoder', 'decoder', 'interaction',
            'fusion'. The encoder and decoder are searched or in the genotype;
            the interaction and fusion are searched, in the genotype, or absent.
        num_fusion_layers: Stacked pose and parsing cells.
        op_names: Candidate operations per searched part (defaults: the paper's
            two sets).
        partial_channels: K of PC-DARTS. Default: 2.
        head_levels: Which of the 7 features form FH (paper eq. 6: the decoder
            outputs 4, 5, 6; the authors' code adds encoder level 0).
        norm_cfg: Norm layer of every part. Default: BN (the paper configs
            use SyncBN).
        align_corners: Of every bilinear resizing of the network (decoding
            cells, interaction, pooled conv, FH). Default: False.
        deep_stem: The release's three-convolution stem
            (:class:`EncoderDecoderBranch`). Default: False.
        op_cfg: ``se_reduce`` and ``pooled_conv_bias`` of the operations
            (:mod:`.operations`). Default: the paper's reading.
        interaction_projection: How interaction edges map channels
            (:data:`.interaction.PROJECTIONS`). Default: 'conv_norm'.
        interaction_reads: One of :data:`INTERACTION_READS`. The other
            branch's feature at the target's own level is always its cells'
            output. Default: 'cell_outputs' (eq. 4-5).
        high_level_channels: Channels of each FH feature by name. Default: C.
        high_level_preact: FH as ReLU -> 1 x 1 conv with bias -> norm (the
            release) instead of conv -> norm -> ReLU. Default: False.
        heads: Per output name, a two-layer predictor ReLU -> conv
            (``channels``, ``kernel_size``, ``bias`` (default True)) -> norm ->
            ReLU -> 1 x 1 conv, in both stages; names left out (default all)
            have a 1 x 1 convolution.
        edge_classes: Edge output channels: 1 (a logit) or 2 (two-class
            logits, the release). Default: 1.
        final_outputs: The fusion's predictions. Default: ('pose',
            'parsing'); the release adds 'pose_aux' and 'edge'.
    """

    def __init__(self,
                 channels: int,
                 num_cells: int,
                 num_classes: int,
                 num_keypoints: int,
                 genotype: Union[str, dict, None] = None,
                 genotype_from: Optional[str] = None,
                 search: Sequence[str] = (),
                 num_fusion_layers: int = 3,
                 op_names: Optional[Dict[str, Sequence[str]]] = None,
                 partial_channels: int = 2,
                 head_levels: Sequence[int] = (4, 5, 6),
                 norm_cfg: Optional[dict] = None,
                 align_corners: bool = False,
                 deep_stem: bool = False,
                 op_cfg: Optional[dict] = None,
                 interaction_projection: str = 'conv_norm',
                 interaction_reads: str = 'cell_outputs',
                 high_level_channels: Optional[Dict[str, int]] = None,
                 high_level_preact: bool = False,
                 heads: Optional[Dict[str, dict]] = None,
                 edge_classes: int = 1,
                 final_outputs: Sequence[str] = ('pose', 'parsing'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._check_genotype_given(genotype, genotype_from)
        genotype = load_genotype(genotype)
        self._check(genotype, search)
        self.search = tuple(search)
        self.genotype = genotype
        self.num_classes = num_classes
        self.num_keypoints = num_keypoints
        self.op_names = dict(
            encoder=ENCODER_DECODER_OPS,
            decoder=ENCODER_DECODER_OPS,
            interaction=INTERACTION_FUSION_OPS,
            fusion=INTERACTION_FUSION_OPS)
        self.op_names.update(op_names or {})
        self.op_names = {k: tuple(v) for k, v in self.op_names.items()}
        self.partial_channels = partial_channels
        self.head_levels = tuple(head_levels)
        self.align_corners = align_corners
        if interaction_reads not in INTERACTION_READS:
            raise ValueError(f'NPPNetwork: interaction_reads must be one of '
                             f'{INTERACTION_READS}, got {interaction_reads!r}')
        if edge_classes not in (1, 2):
            raise ValueError(f'NPPNetwork: edge_classes must be 1 or 2, got '
                             f'{edge_classes!r}')
        if 'align_corners' in (op_cfg or {}):
            raise ValueError('NPPNetwork: set the resizing of every part with '
                             'network.align_corners, not op_cfg.align_corners')
        self.interaction_reads = interaction_reads
        norm_cfg = norm_cfg or dict(type='BN')
        op_cfg = dict(op_cfg or {}, align_corners=align_corners)
        self.branches = nn.ModuleDict({
            b:
            EncoderDecoderBranch(
                channels, num_cells, {
                    part: None if part in search else genotype[part][b]
                    for part in ('encoder', 'decoder')
                }, self.op_names, partial_channels, norm_cfg, op_cfg, deep_stem)
            for b in BRANCHES
        })
        feature_channels = self.branches['pose'].out_channels
        self.interactions = nn.ModuleDict()
        if 'interaction' in search or 'interaction' in genotype:
            for task, (stage, _) in INTERACTION_TASKS.items():
                targets = (
                    range(NUM_LEVELS) if stage == 'encoder' else range(
                        NUM_LEVELS, NUM_LEVELS + NUM_DECODER_CELLS))
                self.interactions[task] = Interaction(
                    feature_channels, [feature_channels[i] for i in targets],
                    interaction_sources(stage),
                    None if 'interaction' in search else genotype['interaction'][task],
                    self.op_names['interaction'], partial_channels, norm_cfg, op_cfg,
                    interaction_projection)
        head_in = sum(feature_channels[i] for i in self.head_levels)
        high_channels = {name: channels for name in HIGH_LEVEL}
        high_channels.update(high_level_channels or {})
        self.high_level = nn.ModuleDict({
            name:
            nn.Sequential(nn.ReLU(), nn.Conv2d(head_in, c, 1), norm_layer(norm_cfg, c))
            if high_level_preact else ConvModule(head_in, c, 1, norm_cfg=norm_cfg)
            for name, c in high_channels.items()
        })
        out = dict(
            pose=num_keypoints,
            pose_aux=num_keypoints,
            parsing=num_classes,
            edge=edge_classes)
        heads = heads or {}
        self.initial = nn.ModuleDict({
            name:
            self._predictor(high_channels[name], n, heads.get(name), norm_cfg)
            for name, n in out.items()
        })
        self.fusion = None
        if 'fusion' in search or 'fusion' in genotype:
            self.fusion = Fusion(channels, num_fusion_layers,
                                 None if 'fusion' in search else genotype['fusion'],
                                 self.op_names['fusion'], partial_channels, norm_cfg,
                                 op_cfg, high_channels)
            self.final = nn.ModuleDict({
                name:
                self._predictor(self.fusion.out_channels[name], out[name],
                                heads.get(name), norm_cfg)
                for name in final_outputs
            })

    @staticmethod
    def _predictor(in_channels: int, out_channels: int, head: Optional[dict],
                   norm_cfg: dict) -> nn.Module:
        """A 1 x 1 convolution, or with ``head`` the two-layer predictor."""
        if head is None:
            return nn.Conv2d(in_channels, out_channels, 1)
        hidden, k = head['channels'], head.get('kernel_size', 1)
        return nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(
                in_channels, hidden, k, padding=k // 2, bias=head.get('bias', True)),
            norm_layer(norm_cfg, hidden), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, out_channels, 1))

    @staticmethod
    def _check_genotype_given(genotype, genotype_from: Optional[str]) -> None:
        if genotype_from is None or isinstance(genotype, dict):
            return
        if genotype is None:
            problem = 'is not set'
        elif not osp.isfile(genotype):
            problem = f'names a missing file: {genotype}'
        else:
            return
        raise FileNotFoundError(
            f'NPPNetwork: model.network.genotype {problem}; run {genotype_from} '
            'first and pass the genotype.yaml of its work dir with '
            '--cfg-options model.network.genotype=PATH')

    @staticmethod
    def _check(genotype: dict, search: Sequence[str]) -> None:
        unknown = set(search) - set(PARTS)
        if unknown:
            raise ValueError(f'NPPNetwork: unknown search parts '
                             f'{sorted(unknown)}; expected some of {PARTS}')
        for part in PARTS:
            if part in search and part in genotype:
                raise ValueError(f'NPPNetwork: {part!r} is both searched and '
                                 'fixed by the genotype')
        for part in ('encoder', 'decoder'):
            if part not in search and part not in genotype:
                raise ValueError(f'NPPNetwork: the {part} is neither searched '
                                 'nor in the genotype')

    def features(self, inputs: Tensor) -> Dict[str, list]:
        """The 7 features of each branch, after interaction."""
        states = {b: self.branches[b].forward_stem(inputs) for b in BRANCHES}
        feats = {b: [] for b in BRANCHES}
        raw = {b: [] for b in BRANCHES}
        for level in range(NUM_LEVELS):
            for b in BRANCHES:
                states[b] = self.branches[b].forward_level(level, states[b])
                raw[b].append(states[b][1])
                feats[b].append(states[b][1])
            self._interact_level('encoder', level, raw, feats)
            for b in BRANCHES:
                states[b][1] = feats[b][-1]
        for t in range(NUM_DECODER_CELLS):
            for b in BRANCHES:
                out = self.branches[b].forward_decoder(t, feats[b][-1],
                                                       feats[b][NUM_LEVELS - 2 - t])
                raw[b].append(out)
                feats[b].append(out)
            self._interact_level('decoder', t, raw, feats)
        return feats

    def _interact_level(self, stage: str, t: int, raw: Dict[str, list],
                        feats: Dict[str, list]) -> None:
        """Node t of both branches absorbs the other branch's features: its earlier
        levels as its cells produced them (eq.

        4-5) or after their
        own interaction (``interaction_reads``), its current level as its
        cells produced it.
        """
        for task, (task_stage, target) in INTERACTION_TASKS.items():
            if task_stage != stage or task not in self.interactions:
                continue
            other = 'parsing' if target == 'pose' else 'pose'
            sources = raw[other] if self.interaction_reads == 'cell_outputs' \
                else feats[other][:-1] + raw[other][-1:]
            feats[target][-1] = self.interactions[task](t, raw[target][-1], sources)

    def output_size(self, size: Sequence[int]) -> Tuple[int, int]:
        """(h, w) of the predictions for an input of ``size`` (H, W)."""
        return self.branches['pose'].output_size(size)

    def forward(self, inputs: Tensor) -> Dict[str, Dict[str, Tensor]]:
        """Images (B, 3, H, W) -> ``initial`` predictions (pose, pose_aux, parsing,
        edge) and, with a fusion, ``final`` ones (``final_outputs``), all at 1/4 of the
        input (:meth:`output_size`)."""
        feats = self.features(inputs)
        size = feats['pose'][0].shape[2:]
        high = {}
        for name, branch in HIGH_LEVEL.items():
            levels = [
                F.interpolate(
                    feats[branch][i],
                    size,
                    mode='bilinear',
                    align_corners=self.align_corners)
                if feats[branch][i].shape[2:] != size else feats[branch][i]
                for i in self.head_levels
            ]
            high[name] = self.high_level[name](torch.cat(levels, 1))
        initial = {name: head(high[name]) for name, head in self.initial.items()}
        if self.fusion is None:
            return dict(initial=initial)
        fused = self.fusion(high)
        return dict(
            initial=initial,
            final={
                name: head(fused[name])
                for name, head in self.final.items()
            })

    def architecture(self) -> Dict[str, ArchitectureParameters]:
        """The architecture parameters of the searched parts by dotted name."""
        return {
            name: module
            for name, module in self.named_modules()
            if isinstance(module, ArchitectureParameters)
        }

    def entropy(self, reduction: str = 'sum') -> Tensor:
        """E(A) (eq.

        8) over every searched part: with ``reduction='sum'`` the
        summed entropy of every edge (eq. 8 as written), with 'mean' the mean
        over the architecture tensors of their mean normalised entropy (the
        authors' release; see :meth:`ArchitectureParameters.entropy`).
        """
        values = [arch.entropy(reduction) for arch in self.architecture().values()]
        total = sum(values)
        return total / len(values) if reduction == 'mean' else total

    def derive(self, threshold: float = 0.7, max_ops: int = 4) -> dict:
        """The whole genotype: the fixed parts as given, the searched ones derived
        by the DARTS rule for cells and the interaction rule (``threshold``,
        ``max_ops``) for interactions."""
        genotype = dict(self.genotype)
        if 'encoder' in self.search:
            genotype['encoder'] = {
                b: {
                    name:
                    derive_cell(self.branches[b].arch[name], self.op_names['encoder'],
                                CELL_NUM_INPUTS[name])
                    for name in PART_CELLS['encoder']
                }
                for b in BRANCHES
            }
        if 'decoder' in self.search:
            genotype['decoder'] = {
                b:
                derive_cell(self.branches[b].arch['upsample'], self.op_names['decoder'],
                            CELL_NUM_INPUTS['upsample'])
                for b in BRANCHES
            }
        if 'interaction' in self.search:
            genotype['interaction'] = {
                task:
                derive_interaction(self.interactions[task].arch,
                                   self.op_names['interaction'], threshold, max_ops)
                for task in INTERACTION_TASKS
            }
        if 'fusion' in self.search:
            genotype['fusion'] = {
                name:
                derive_cell(self.fusion.arch[name], self.op_names['fusion'],
                            CELL_NUM_INPUTS[name])
                for name in FUSION_INPUT_NAMES
            }
        return genotype

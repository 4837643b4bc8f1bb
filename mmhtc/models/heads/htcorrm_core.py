"""The part of HTCorrM shared by its heads: encoders, fusion, auxiliary losses."""
from typing import Dict, Optional, Sequence, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.utils import resize
from torch import Tensor, nn

from ...registry import SEG_MODELS
from ..layers import HeterogeneousNonLocal
from ..utils import heatmap_weights

TASKS = ('parsing', 'pose', 'edge')
FUSIONS = ('hnl', 'concat', 'none')


class HTCorrMCore(BaseModule):
    """Task encoders, the auxiliary predictions and the fusion into F_r.

    Every encoder in ``encoders`` produces its task feature (C x H x W at the size of
    the backbone feature ``size_index``, G1) and, through a 1 x 1 convolution, its
    task prediction: parsing logits (``num_classes``), pose heatmaps
    (``num_keypoints``) or edge logits (1). The main task's feature is then refined:

    - ``fusion='hnl'``: by the Heterogeneous Non-Local module with the hybrid of the
      features named in ``hybrid`` (names may repeat; an empty tuple is
      self-attention on the main feature);
    - ``fusion='concat'``: by a 1 x 1 convolution on the concatenated ``hybrid``
      features (HTCorrM Tab. 7, "Concat");
    - ``fusion='none'``: not at all; the main output is the encoder's (baseline with
      the main encoder only; multi-task learning with all encoders).

    The head applies :math:`W_3` to the refined feature for the main output :math:`O_m`
    and adds :meth:`loss` for the encoders' predictions (eq. 4).

    Args:
        main: The main task, one of 'parsing', 'pose', 'edge'.
        channels: C, the channels of the task features.
        encoders: Per task, the encoder config with ``in_index``, the backbone
            features it reads: (deep, G1) for the parsing encoder, one index for the
            pose encoder, (G1, G2, G3) for the edge encoder. An index may be a tuple
            of indices: those features resized to the first one's size and
            concatenated (e.g. HRNetV2's representation of all branches). A task
            whose config is None has no encoder (ablations drop encoders this way).
        num_classes: Parsing classes Q (with a parsing encoder).
        num_keypoints: Joints J (with a pose encoder).
        fusion: 'hnl', 'concat' or 'none'. Default: 'hnl'.
        hybrid: Task names forming the hybrid (or concatenation). Default: all three.
        hnl: Other arguments of :class:`HeterogeneousNonLocal`.
        size_index: Index of the backbone feature whose size the task features take.
        loss_weights: Per task, the weight of its encoder's loss (alpha, beta,
            gamma of eq. 4).
        losses: Per task, the loss config (parsing: an mmseg cross entropy, pose: an
            mmpose heatmap loss, edge: :class:`BalancedEdgeLoss`).
        ignore_index: Ignored parsing and edge label. align_corners: For resizing.
        with_cp: Activation checkpointing of the encoders and the HNL while
            training (their ``with_cp``), to trade compute for memory. Default:
            False.
    """

    def __init__(self,
                 main: str,
                 channels: int,
                 encoders: Dict[str, dict],
                 num_classes: int = 0,
                 num_keypoints: int = 0,
                 fusion: str = 'hnl',
                 hybrid: Sequence[str] = TASKS,
                 hnl: Optional[dict] = None,
                 size_index: int = 0,
                 loss_weights: Optional[Dict[str, float]] = None,
                 losses: Optional[Dict[str, dict]] = None,
                 ignore_index: int = 255,
                 align_corners: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        encoders = {t: c for t, c in encoders.items() if c is not None}
        self._check(main, encoders, fusion, hybrid, loss_weights, losses)
        for task, number, name in (('parsing', num_classes, 'num_classes'),
                                   ('pose', num_keypoints, 'num_keypoints')):
            if task in encoders and number <= 0:
                raise ValueError(f'HTCorrMCore: a {task} encoder needs {name} '
                                 f'> 0, got {number}')
        self.main = main
        self.num_classes = num_classes
        self.num_keypoints = num_keypoints
        self.fusion = fusion
        self.hybrid = tuple(hybrid)
        self.size_index = size_index
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.in_index = {}
        self.encoders = nn.ModuleDict()
        for task, cfg in encoders.items():
            cfg = dict(cfg)
            self.in_index[task] = cfg.pop('in_index')
            self.encoders[task] = SEG_MODELS.build(
                dict(channels=channels, with_cp=with_cp, **cfg))
        out_channels = dict(parsing=num_classes, pose=num_keypoints, edge=1)
        self.predictors = nn.ModuleDict({
            task: nn.Conv2d(channels, out_channels[task], 1)
            for task in encoders if not (task == main and fusion == 'none')
        })
        self.loss_weights = dict(loss_weights or {})
        self.losses = nn.ModuleDict({
            task: SEG_MODELS.build(cfg)
            for task, cfg in (losses or {}).items() if task in self.predictors
        })
        if fusion == 'hnl':
            self.hnl = HeterogeneousNonLocal(
                channels, len(self.hybrid), with_cp=with_cp, **(hnl or {}))
        elif fusion == 'concat':
            self.concat = ConvModule(
                channels * len(self.hybrid), channels, 1, norm_cfg=dict(type='BN'))

    @staticmethod
    def _check(main, encoders, fusion, hybrid, loss_weights, losses) -> None:
        """Raise a ValueError naming the ``core`` config key that is wrong."""
        where = 'HTCorrMCore'
        if main not in TASKS:
            raise ValueError(f'{where}: core.main is {main!r}, an unknown main '
                             f'task; expected one of {TASKS}')
        if fusion not in FUSIONS:
            raise ValueError(f'{where}: core.fusion is {fusion!r}, an unknown '
                             f'fusion; expected one of {FUSIONS}')
        unknown = sorted(set(encoders) - set(TASKS))
        if unknown:
            raise ValueError(f'{where}: core.encoders has unknown tasks '
                             f'{unknown}; expected names among {TASKS}')
        if main not in encoders:
            raise ValueError(f'{where}: core.encoders has no encoder for the '
                             f'main task {main!r}')
        missing = set(hybrid) - set(encoders) if fusion != 'none' else set()
        if missing:
            raise ValueError(f'{where}: core.hybrid names tasks without an '
                             f'encoder: {sorted(missing)}')
        aux = [t for t in encoders if not (t == main and fusion == 'none')]
        for name, table in (('loss_weights', loss_weights), ('losses', losses)):
            absent = [t for t in aux if t not in (table or {})]
            if absent:
                raise ValueError(f'{where}: core.{name} has no entry for the '
                                 f'encoder outputs of {absent}')
        for task in aux:
            weight = loss_weights[task]
            if not isinstance(weight, (int, float)) or not weight >= 0:
                raise ValueError(f'{where}: core.loss_weights[{task!r}] must '
                                 f'be a number >= 0, got {weight!r}')

    def _select(self, feats: Sequence[Tensor], index: Union[int,
                                                            Sequence[int]]) -> Tensor:
        if isinstance(index, int):
            return feats[index]
        size = feats[index[0]].shape[2:]
        return torch.cat([
            resize(feats[i], size, mode='bilinear', align_corners=self.align_corners)
            for i in index
        ], 1)

    def _encode(self, task: str, feats: Sequence[Tensor]) -> Tensor:
        index = self.in_index[task]
        encoder = self.encoders[task]
        if task == 'parsing':
            deep, low = index
            return encoder(self._select(feats, deep), self._select(feats, low))
        size = feats[self.size_index].shape[2:]
        if task == 'pose':
            return encoder(self._select(feats, index), size)
        return encoder([self._select(feats, i) for i in index], size)

    def forward(self,
                feats: Sequence[Tensor],
                return_relation: bool = False) -> Dict[str, Union[Tensor, dict]]:
        """Run encoders, predictors and fusion on backbone features.

        Returns:
            dict: ``refined`` F_r (B, C, H, W); ``features`` and ``predictions``
            per task; ``relation`` the HNL relation map (B, HW, H'W') when asked
            for, else None.
        """
        features = {task: self._encode(task, feats) for task in self.encoders}
        predictions = {
            task: predictor(features[task])
            for task, predictor in self.predictors.items()
        }
        relation = None
        if self.fusion == 'hnl':
            refined, relation = self.hnl(features[self.main],
                                         [features[t] for t in self.hybrid],
                                         return_relation)
        elif self.fusion == 'concat':
            refined = self.concat(torch.cat([features[t] for t in self.hybrid], 1))
        else:
            refined = features[self.main]
        return dict(
            refined=refined,
            features=features,
            predictions=predictions,
            relation=relation)

    def loss(self, predictions: Dict[str, Tensor],
             data_samples: Sequence) -> Dict[str, Tensor]:
        """The weighted losses of the encoders' predictions (eq. 4).

        Targets come from the packed samples under the names both worlds use:
        ``gt_sem_seg``, ``gt_edge_map`` and ``gt_fields.heatmaps`` with
        ``gt_instance_labels.keypoint_weights``.
        """
        losses = {}
        for task, pred in predictions.items():
            weight = self.loss_weights[task]
            losses[f'loss_{task}_encoder'] = weight * getattr(self, f'_{task}_loss')(
                pred, data_samples)
        return losses

    def _parsing_loss(self, pred: Tensor, data_samples: Sequence) -> Tensor:
        return self._map_loss('parsing', 'gt_sem_seg', pred, data_samples)

    def _edge_loss(self, pred: Tensor, data_samples: Sequence) -> Tensor:
        return self._map_loss('edge', 'gt_edge_map', pred, data_samples)

    def _map_loss(self, task: str, key: str, pred: Tensor,
                  data_samples: Sequence) -> Tensor:
        """Loss of a per-pixel prediction against the label map ``key``."""
        label = torch.stack([s.get(key).data for s in data_samples])
        pred = resize(
            pred, label.shape[2:], mode='bilinear', align_corners=self.align_corners)
        return self.losses[task](pred, label.squeeze(1), ignore_index=self.ignore_index)

    def _pose_loss(self, pred: Tensor, data_samples: Sequence) -> Tensor:
        target = torch.stack([s.gt_fields.heatmaps for s in data_samples])
        if pred.shape[2:] != target.shape[2:]:
            pred = resize(
                pred,
                target.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
        return self.losses['pose'](pred, target, heatmap_weights(data_samples, target))

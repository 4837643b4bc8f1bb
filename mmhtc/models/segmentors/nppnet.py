"""NPPNet as an mmseg segmentor that also estimates pose: search and retraining."""
import math
from typing import Dict, List, Optional, Union

import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapperDict
from mmengine.structures import PixelData
from mmpose.models.utils.tta import flip_heatmaps
from mmseg.models.segmentors import BaseSegmentor
from mmseg.models.utils import resize
from torch import Tensor, nn
from torch.nn import functional as F

from ...registry import POSE_MODELS, SEG_MODELS, register_into
from ...structures import flip_permutation
from ..losses import UncertaintyWeighting
from ..nas import NPPNetwork
from ..utils import heatmap_weights
from ..utils.predictions import decode_keypoints, to_original

TASKS = ('pose', 'pose_aux', 'parsing', 'edge')


def blur_heatmaps(heatmaps: Tensor, sigma: float) -> Tensor:
    """Gaussian-blurred heatmaps (B, K, H, W), each rescaled to its former peak:

    the pose-auxiliary target.
    """
    radius = max(int(math.ceil(3 * sigma)), 1)
    x = torch.arange(-radius, radius + 1, dtype=heatmaps.dtype, device=heatmaps.device)
    kernel = torch.exp(-x**2 / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    b, k, h, w = heatmaps.shape
    maps = heatmaps.reshape(b * k, 1, h, w)
    maps = F.conv2d(F.pad(maps, (radius, radius, 0, 0)), kernel.view(1, 1, 1, -1))
    maps = F.conv2d(F.pad(maps, (0, 0, radius, radius)), kernel.view(1, 1, -1, 1))
    peak = heatmaps.reshape(b * k, -1).amax(1)
    blurred_peak = maps.reshape(b * k, -1).amax(1).clamp(min=1e-12)
    return (maps.reshape(b * k, -1) * (peak / blurred_peak)[:, None]).reshape(
        b, k, h, w)


def edge_logit(edge: Tensor) -> Tensor:
    """The edge logit (B, 1, H, W) of one logit or of two-class logits (their
    difference: its sigmoid is the softmax's edge probability)."""
    return edge if edge.shape[1] == 1 else edge[:, 1:] - edge[:, :1]


@register_into(SEG_MODELS, POSE_MODELS)
class NPPNet(BaseSegmentor):
    """NPPNet: joint human parsing and pose estimation (ICCV 2021).

    The network is :class:`NPPNetwork`. Training losses (Sec. 3.6), each built
    from the registry and summed over the prediction stages that have the
    output (the initial ones, and the network's ``final_outputs``):
    ``loss_pose`` (MSE) of the heatmaps and of the auxiliary heatmaps against
    the heatmaps blurred by a Gaussian of ``aux_sigma`` (heatmap pixels),
    ``loss_parsing`` (cross entropy) of the parsing, ``loss_edge``
    (class-balanced) of the edge logit (of two-class edge logits, their
    difference, whose sigmoid is the softmax's edge probability); the four
    tasks weighted by learned uncertainty (L e^-s + s).

    Searching (the network has searched parts): every training sample is a pair
    from :class:`~mmhtc.datasets.SearchSplitDataset` and ``optim_wrapper`` has a
    ``mutator`` wrapper (the architecture parameters) and an ``architecture``
    wrapper (the network weights), as mmrazor names them. Each iteration updates
    the architecture parameters on the sample's architecture half (after the
    first ``train_cfg.warmup`` epochs, or iterations with ``by_epoch=False``;
    with the entropy E(A) times ``entropy_weight`` from ``entropy_from`` on),
    then the weights on its weights half (first order, eq. 7).

    Prediction returns, in original-image coordinates, ``pred_sem_seg`` (with
    ``seg_logits`` holding class probabilities), ``pred_instances`` (keypoints
    decoded from the heatmaps by the codec ``pose_decoder``) and
    ``pred_edge_map`` (edge probabilities), averaged over
    ``test_cfg.scales`` and, with ``test_cfg.flip``, horizontal flips (parsing
    classes and joints swapped back with the samples' ``class_flip_pairs`` and
    ``flip_indices``).

    Args:
        network: :class:`NPPNetwork` arguments.
        loss_pose: Heatmap loss config. Default: mmpose's ``KeypointMSELoss``
            with target weights.
        loss_parsing: Parsing loss config. Default: mmseg's
            ``CrossEntropyLoss`` averaged over the labelled pixels.
        loss_edge: Edge loss config. Default: ``BalancedEdgeLoss``.
        aux_sigma: Blur of the auxiliary heatmap target. Default: 2.
        ignore_index: Ignored parsing and edge label. Default: 255.
        align_corners: Of the bilinear resizing of predictions. Default: False.
        pose_decoder: The mmpose codec that decodes the merged heatmaps into
            keypoints; its ``input_size`` and ``heatmap_size`` are those of each
            test input (:func:`~mmhtc.models.utils.predictions.decode_keypoints`).
            Default: ``MSRAHeatmap`` with sigma 2.
        train_cfg: Search schedule: ``warmup``, ``entropy_from``,
            ``entropy_weight`` (default 0.25) and ``entropy_reduction``
            (default 'mean', the authors' normalised entropy; 'sum' is eq. 8
            as written, see :meth:`NPPNetwork.entropy`), ``by_epoch``.
        test_cfg: ``scales`` (default (1.0,)) and ``flip`` (default False).
        data_preprocessor: mmseg's ``SegDataPreProcessor`` config.
        pretrained: Must be None (as mmseg's ``init_model`` passes it): the
            network is trained from scratch.
    """

    def __init__(self,
                 network: dict,
                 loss_pose: Optional[dict] = None,
                 loss_parsing: Optional[dict] = None,
                 loss_edge: Optional[dict] = None,
                 aux_sigma: float = 2.0,
                 ignore_index: int = 255,
                 align_corners: bool = False,
                 pose_decoder: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if pretrained is not None:
            raise ValueError('NPPNet: the searched network has no pretrained '
                             f'backbone; got pretrained={pretrained!r} (use '
                             'load_from for a whole-model checkpoint)')
        self.network = NPPNetwork(**network)
        self.aux_sigma = aux_sigma
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.pose_decoder = pose_decoder or dict(type='MSRAHeatmap', sigma=2)
        self.train_cfg = dict(
            warmup=0,
            entropy_from=math.inf,
            entropy_weight=0.25,
            entropy_reduction='mean',
            by_epoch=True)
        self.train_cfg.update(train_cfg or {})
        self.test_cfg = dict(scales=(1.0, ), flip=False)
        self.test_cfg.update(test_cfg or {})
        self.weighting = UncertaintyWeighting(TASKS)
        self.pose_loss = SEG_MODELS.build(
            loss_pose or dict(type='mmpose.KeypointMSELoss', use_target_weight=True))
        self.parsing_loss = SEG_MODELS.build(
            loss_parsing or dict(type='mmseg.CrossEntropyLoss', avg_non_ignore=True))
        self.edge_loss = SEG_MODELS.build(loss_edge or dict(type='BalancedEdgeLoss'))

    @property
    def searching(self) -> bool:
        """Whether the network has searched parts."""
        return bool(self.network.search)

    def extract_feat(self, inputs: Tensor) -> Dict:
        """The network's predictions (see :meth:`NPPNetwork.forward`)."""
        return self.network(inputs)

    @staticmethod
    def _last(out: Dict) -> Dict[str, Tensor]:
        """The last prediction stage: final, or initial without a fusion."""
        return out.get('final', out['initial'])

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]):
        """Last-stage parsing logits at the input size (B, Q, H, W)."""
        return resize(
            self._last(self.network(inputs))['parsing'],
            inputs.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)

    def _forward(self, inputs: Tensor, data_samples=None) -> Dict:
        return self.network(inputs)

    def loss(self, inputs: Tensor, data_samples: List) -> Dict[str, Tensor]:
        """Uncertainty-weighted task losses (and the raw ones, for the log)."""
        out = self.network(inputs)
        stages = [out['initial']] + ([out['final']] if 'final' in out else [])
        heatmaps = torch.stack([s.gt_fields.heatmaps for s in data_samples])
        weights = heatmap_weights(data_samples, heatmaps)
        parsing = torch.stack([s.gt_sem_seg.data for s in data_samples])[:, 0]
        edge = torch.stack([s.gt_edge_map.data for s in data_samples])[:, 0]
        raw = dict(
            pose=self._heatmap_loss([p['pose'] for p in stages], heatmaps, weights),
            pose_aux=self._heatmap_loss(
                [p['pose_aux'] for p in stages if 'pose_aux' in p],
                blur_heatmaps(heatmaps, self.aux_sigma), weights),
            parsing=sum(
                self.parsing_loss(
                    self._resize(logits, parsing.shape[1:]),
                    parsing.long(),
                    ignore_index=self.ignore_index)
                for logits in (p['parsing'] for p in stages)),
            edge=sum(
                self.edge_loss(
                    self._resize(edge_logit(p['edge']), edge.shape[1:]),
                    edge,
                    ignore_index=self.ignore_index) for p in stages if 'edge' in p))
        losses = self.weighting(raw)
        losses.update({f'raw_{task}': loss.detach() for task, loss in raw.items()})
        return losses

    def _resize(self, maps: Tensor, size) -> Tensor:
        if maps.shape[2:] == tuple(size):
            return maps
        return resize(maps, size, mode='bilinear', align_corners=self.align_corners)

    def _heatmap_loss(self, predictions: List[Tensor], target: Tensor,
                      weights: Tensor) -> Tensor:
        return sum(
            self.pose_loss(self._resize(p, target.shape[2:]), target, weights)
            for p in predictions)

    def _schedule_position(self) -> int:
        hub = MessageHub.get_current_instance()
        return hub.get_info('epoch' if self.train_cfg['by_epoch'] else 'iter', 0)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper) -> Dict[str, Tensor]:
        """One training iteration; while searching, :meth:`search_step`."""
        if not self.searching:
            return super().train_step(data, optim_wrapper)
        return self.search_step(data, optim_wrapper, self)

    def search_step(self, data: dict, optim_wrapper,
                    model: nn.Module) -> Dict[str, Tensor]:
        """An architecture step on ``data['architecture']`` (after the warm-up) with the
        ``mutator`` optimizer, then a weight step on ``data['weights']`` with the
        ``architecture`` optimizer.

        Args:
            data: ``architecture`` and ``weights`` batches (SearchSplitDataset).
            optim_wrapper: ``OptimWrapperDict`` with ``architecture`` (network
                weights) and ``mutator`` (architecture parameters) wrappers
                (SearchOptimWrapperConstructor).
            model: What runs the forward passes: this model, or the
                :class:`NPPNetSearchDDP` wrapping it, whose forward makes the
                backward average the gradients over the processes.
        """
        if not (isinstance(optim_wrapper, OptimWrapperDict)
                and {'architecture', 'mutator'} <= set(optim_wrapper.keys())):
            raise TypeError('NPPNet: searching needs an optim_wrapper with '
                            "'architecture' and 'mutator' wrappers (constructor="
                            "'SearchOptimWrapperConstructor')")
        if not (isinstance(data, dict) and {'architecture', 'weights'} <= set(data)):
            raise TypeError('NPPNet: searching needs training samples from '
                            'SearchSplitDataset (weights / architecture pairs)')
        log_vars = {}
        position = self._schedule_position()
        if position >= self.train_cfg['warmup']:
            wrapper = optim_wrapper['mutator']
            with wrapper.optim_context(model):
                batch = self.data_preprocessor(data['architecture'], True)
                losses = model._run_forward(batch, mode='loss')
                if position >= self.train_cfg['entropy_from']:
                    losses['loss_entropy'] = (
                        self.train_cfg['entropy_weight'] *
                        self.network.entropy(self.train_cfg['entropy_reduction']))
            loss, arch_vars = self.parse_losses(losses)
            wrapper.zero_grad()
            wrapper.update_params(loss)
            log_vars.update({f'arch_{k}': v for k, v in arch_vars.items()})
        wrapper = optim_wrapper['architecture']
        with wrapper.optim_context(model):
            batch = self.data_preprocessor(data['weights'], True)
            losses = model._run_forward(batch, mode='loss')
        loss, weight_vars = self.parse_losses(losses)
        wrapper.zero_grad()
        wrapper.update_params(loss)
        log_vars.update(weight_vars)
        return log_vars

    def predict(self, inputs: Tensor, data_samples: Optional[List] = None):
        """Parsing, keypoints and edges of a batch (B, 3, H, W), with the multi-scale
        and flip test of ``test_cfg``."""
        metas = [s.metainfo for s in data_samples]
        size = inputs.shape[2:]
        merged = self._merge_views(inputs, metas)
        data_samples = self.postprocess_result(merged['parsing'], data_samples)
        for i, sample in enumerate(data_samples):
            sample.pred_edge_map = PixelData(
                data=to_original(merged['edge'][i:i + 1], sample.metainfo, size,
                                 self.align_corners)[0])
            sample.pred_instances = decode_keypoints(merged['pose'][i], sample.metainfo,
                                                     size, self.pose_decoder)
        return data_samples

    def _merge_views(self, inputs: Tensor, metas: List[dict]) -> Dict:
        """Average of parsing probabilities (input size), edge probabilities and
        heatmaps (the network's output size at scale 1) over scales and flips."""
        size = inputs.shape[2:]
        heatmap_size = self.network.output_size(size)
        flips = (False, True) if self.test_cfg['flip'] else (False, )
        views = []
        for scale in self.test_cfg['scales']:
            scaled = inputs if scale == 1 else resize(
                inputs,
                scale_factor=scale,
                mode='bilinear',
                align_corners=self.align_corners)
            for flip in flips:
                out = self.network(scaled.flip(3) if flip else scaled)
                last = self._last(out)
                edge = last.get('edge', out['initial']['edge'])
                view = dict(
                    parsing=self._resize(last['parsing'], size).softmax(1),
                    edge=self._resize(edge_logit(edge), heatmap_size).sigmoid(),
                    pose=self._resize(last['pose'], heatmap_size))
                if flip:
                    view = self._unflip(view, metas)
                views.append(view)
        return {k: sum(v[k] for v in views) / len(views) for k in views[0]}

    def _flip_meta(self, metas: List[dict], key: str):
        """``key`` from the samples' metainfo, else from the model's ``dataset_meta``
        (set by the Runner or :func:`mmhtc.apis.init_model`)."""
        value = metas[0].get(key)
        if value is None:
            value = (getattr(self, 'dataset_meta', None) or {}).get(key)
        if value is None:
            raise KeyError(f'NPPNet: the flip test needs {key!r} in the '
                           "samples' metainfo (PackHumanSegInputs) or the "
                           "model's dataset_meta")
        return value

    def _unflip(self, view: Dict[str, Tensor], metas: List[dict]) -> Dict:
        """Flip a view's maps back and swap left/right classes and joints.

        Heatmaps are also shifted one pixel to the right (mmpose's
        ``shift_heatmap``): the targets put joint x at x / 4 and the image flip
        maps x to W - 1 - x, so a flipped heatmap's peak lands 3 / 4 of a pixel
        left of the unflipped one's.
        """
        classes = torch.from_numpy(
            flip_permutation(view['parsing'].shape[1],
                             self._flip_meta(metas, 'class_flip_pairs')))
        return dict(
            parsing=view['parsing'].flip(3)[:, classes.to(view['parsing'].device)],
            edge=view['edge'].flip(3),
            pose=flip_heatmaps(
                view['pose'],
                list(self._flip_meta(metas, 'flip_indices')),
                shift_heatmap=True))

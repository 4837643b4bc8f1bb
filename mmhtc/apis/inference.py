"""Inference with mmhtc models of either library: every task a model predicts.

:func:`init_model` builds a model from an mmseg-world config (``default_scope='mmseg'``:
parsing or edge as the main task) or an mmpose-world config (``'mmpose'``: top-down
pose as the main task) with that library's ``init_model``. :func:`inference_human`
runs the model's own test step and returns a :class:`HumanResult` per image, in the
image's pixels.

The predictions are read from the data samples under one set of names, the same in
both worlds:

- ``pred_sem_seg`` (1, H, W): parsing classes (mmseg's name);
- ``pred_edge_map`` (1, H, W): edge probabilities;
- ``pred_instances.keypoints`` (N, K, 2) and ``keypoint_scores`` (N, K) (mmpose's).

A model whose test step leaves some of its outputs out of the samples has an *output
adapter*, registered by its head's (or model's) class name with
:func:`register_output_adapter`: it captures what it needs during the test step and
completes the samples. HTCorrM's adapters add the parsing map of an edge-main model,
the parsing and edge maps of a pose-main model, and the HNL relation maps
(:func:`relation_map`). A new model type either fills the names above in its own
``predict`` or registers an adapter.
"""
import copy
import os
import os.path as osp
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import (Callable, Dict, Iterator, List, Optional, Sequence,
                    Tuple, Type, Union)

import mmpose.apis
import mmseg.apis
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.runner import load_checkpoint
from mmengine.structures import PixelData
from mmpose.structures import merge_data_samples
from mmpose.structures.bbox import get_warp_matrix
from mmpose.structures.utils import revert_heatmap
from mmseg.models.utils import resize
from torch import Tensor, nn

from ..datasets.base import BaseHumanDataset
from ..registry import POSE_DATASETS, SEG_DATASETS

ImageInput = Union[str, np.ndarray]
#: Transforms of a test pipeline that need annotations; inference drops them.
ANNOTATION_TRANSFORMS = ('LoadAnnotations', 'LoadHumanAnnotations',
                         'GenerateHumanEdge', 'GenerateEdge', 'GenerateTarget',
                         'mmpose.GenerateTarget')
#: Image folder suffixes read by :func:`inference_folder`.
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')


@dataclass
class HumanResult:
    """The predictions of one image, in its pixels (H x W).

    Attributes:
        parsing: (H, W) int64 class ids, or None.
        edge: (H, W) float32 edge probabilities, or None.
        keypoints: (N, K, 2) float32 (x, y) per person, or None.
        keypoint_scores: (N, K) float32, or None.
        relation: (H, W) float32, the HNL relation map of the query pixel asked
            for (its attention over the image), or None.
        data_sample: The model's data sample the fields were read from.
    """
    parsing: Optional[np.ndarray] = None
    edge: Optional[np.ndarray] = None
    keypoints: Optional[np.ndarray] = None
    keypoint_scores: Optional[np.ndarray] = None
    relation: Optional[np.ndarray] = None
    data_sample: object = None


def human_result(data_sample) -> HumanResult:
    """Read a data sample's predictions under the shared names.

    An mmseg sample of an edge-main model without ``pred_edge_map`` holds the edge
    probability in ``seg_logits`` (one channel: mmseg stores the sigmoid there) and
    the thresholded edge in ``pred_sem_seg``: that is the edge, and there is no
    parsing.
    """
    result = HumanResult(data_sample=data_sample)
    logits = data_sample.get('seg_logits')
    edge_main = (logits is not None and logits.data.shape[0] == 1
                 and 'pred_edge_map' not in data_sample)
    if edge_main:
        result.edge = _numpy(logits.data[0]).astype(np.float32)
    elif 'pred_sem_seg' in data_sample:
        result.parsing = _numpy(data_sample.pred_sem_seg.data[0]).astype(
            np.int64)
    if 'pred_edge_map' in data_sample:
        result.edge = _numpy(data_sample.pred_edge_map.data[0]).astype(
            np.float32)
    instances = data_sample.get('pred_instances')
    if instances is not None and 'keypoints' in instances:
        result.keypoints = _numpy(instances.keypoints).astype(np.float32)
        result.keypoint_scores = _numpy(instances.keypoint_scores).astype(
            np.float32)
    return result


def _numpy(data) -> np.ndarray:
    return data.detach().cpu().numpy() if isinstance(data, Tensor) else \
        np.asarray(data)


def _world(config: Config) -> str:
    scope = config.get('default_scope')
    if scope not in ('mmseg', 'mmpose'):
        raise ValueError(
            f'{config.filename}: default_scope must be "mmseg" or "mmpose" '
            f'to pick the library that builds the model, got {scope!r}')
    return scope


def _dataset_class(config: Config, dataset: dict) -> Optional[type]:
    registry = SEG_DATASETS if config.default_scope == 'mmseg' else \
        POSE_DATASETS
    with registry.switch_scope_and_registry(config.default_scope) as reg:
        return reg.get(dataset['type']) if isinstance(
            dataset['type'], str) else dataset['type']


def _config_dataset_meta(config: Config) -> Optional[dict]:
    """Classes, palette and keypoint definitions of the config's test dataset,
    for mmhtc's datasets (None for others)."""
    dataset = config.get('test_dataloader', {}).get('dataset')
    if dataset is None:
        return None
    cls = _dataset_class(config, dataset)
    if cls is None or not issubclass(cls, BaseHumanDataset):
        return None
    return cls._load_metainfo(copy.deepcopy(dataset.get('metainfo')))


def _pose_meta_config(config: Config) -> Config:
    """The config as mmpose's ``init_model`` reads it: an mmhtc dataset's keypoint
    definition in mmpose's format as the train dataset's ``metainfo``."""
    config = config.copy()
    config.model.backbone.pop('init_cfg', None)
    dataset = config.get('train_dataloader', {}).get('dataset')
    if dataset is not None:
        cls = _dataset_class(config, dataset)
        if (cls is not None and issubclass(cls, BaseHumanDataset)
                and 'pose_metainfo' in cls.METAINFO):
            dataset.metainfo = cls.METAINFO['pose_metainfo']
    return config


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a model of an mmseg- or mmpose-world config, in eval mode.

    mmseg's ``EncoderDecoder`` with an ``HTCorrMSegHead`` is built as
    ``HumanEncoderDecoder`` (the same weights), which also predicts the auxiliary
    tasks; SyncBN layers become BN. ``model.dataset_meta`` is the checkpoint's
    ``meta['dataset_meta']`` where it has one, else the config's test dataset's
    metainfo (classes, palette, skeleton) for mmhtc's datasets.

    Args:
        config: Config file or object; its ``default_scope`` picks the library.
        checkpoint: A checkpoint path or URL; None keeps the initial weights.
            Training checkpoints of one's own runs need
            :func:`mmhtc.apis.trust_local_checkpoints` first under torch >= 2.6;
            published ones (``tools/misc/publish_model.py``) do not.
        device: Where the model runs. Default: 'cpu'.
        cfg_options: Config overrides, as ``--cfg-options``.

    Returns:
        The model, with ``cfg`` and ``dataset_meta`` set.
    """
    config = config.copy() if isinstance(config, Config) else \
        Config.fromfile(str(config))
    if cfg_options:
        config.merge_from_dict(cfg_options)
    if _world(config) == 'mmseg':
        model_cfg = config.model
        if (model_cfg.type == 'EncoderDecoder'
                and model_cfg.decode_head.get('type') == 'HTCorrMSegHead'):
            model_cfg.type = 'HumanEncoderDecoder'
        if 'backbone' in model_cfg:
            model_cfg.backbone.pop('init_cfg', None)
        model = revert_sync_batchnorm(
            mmseg.apis.init_model(config, None, device))
    else:
        model = mmpose.apis.init_model(
            _pose_meta_config(config), None, device)
        model.cfg = config
    model.dataset_meta = _config_dataset_meta(config) or getattr(
        model, 'dataset_meta', None)
    if checkpoint is not None:
        loaded = load_checkpoint(model, checkpoint, map_location=device)
        if 'dataset_meta' in loaded.get('meta', {}):
            model.dataset_meta = loaded['meta']['dataset_meta']
    return model


class OutputAdapter:
    """Completes the data samples of a model's test step with the outputs the
    model's ``predict`` leaves out. This base class adds nothing.

    Args:
        model: The model (after :func:`init_model`).
    """

    def __init__(self, model: nn.Module) -> None:
        self.model = model

    @contextmanager
    def capture(self, return_relation: bool = False) -> Iterator[None]:
        """Context of one test step; record what :meth:`complete` needs."""
        if return_relation:
            raise ValueError(f'{type(self.model).__name__}: the model has no '
                             'relation map to show')
        yield

    def complete(self, samples: List) -> None:
        """Add outputs to the image-level samples of an mmseg test step."""

    def complete_topdown(self, merged, samples: List) -> None:
        """Add image-level outputs to ``merged``, the merge of the per-person
        samples ``samples`` of an mmpose top-down test step."""

    def relation(self, sample, index: int,
                 query_xy: Tuple[float, float]) -> np.ndarray:
        """The relation map (H, W) of the image pixel ``query_xy`` in the captured
        step's ``index``-th sample ``sample``."""
        raise NotImplementedError


#: Output adapters by the class name of the model or of its head.
OUTPUT_ADAPTERS: Dict[str, Type[OutputAdapter]] = {}


def register_output_adapter(*names: str) -> Callable[[Type], Type]:
    """Class decorator registering an :class:`OutputAdapter` for the models or
    heads of the class names ``names``."""

    def decorator(cls: Type[OutputAdapter]) -> Type[OutputAdapter]:
        for name in names:
            OUTPUT_ADAPTERS[name] = cls
        return cls

    return decorator


def output_adapter(model: nn.Module) -> OutputAdapter:
    """The adapter registered for the model's class, else its head's, else the
    base class."""
    head = getattr(model, 'decode_head', None) or getattr(model, 'head', None)
    for name in (type(model).__name__, type(head).__name__):
        if name in OUTPUT_ADAPTERS:
            return OUTPUT_ADAPTERS[name](model)
    return OutputAdapter(model)


class _HTCorrMAdapter(OutputAdapter):
    """Records the first output of the head's :class:`HTCorrMCore` in a step (the
    unflipped view under flip testing), with the relation map when asked for."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__(model)
        head = getattr(model, 'decode_head', None) or model.head
        self.core = head.core
        self.outputs: Optional[dict] = None

    @contextmanager
    def capture(self, return_relation: bool = False) -> Iterator[None]:
        if return_relation and self.core.fusion != 'hnl':
            raise ValueError('HTCorrM: the relation map needs fusion="hnl", '
                             f'the model has {self.core.fusion!r}')
        self.outputs = None

        def ask_relation(module, args, kwargs):
            kwargs.pop('return_relation', None)
            return (args[0], True), kwargs

        def record(module, args, outputs):
            if self.outputs is None:
                self.outputs = outputs

        handles = [self.core.register_forward_hook(record)]
        if return_relation:
            handles.append(
                self.core.register_forward_pre_hook(
                    ask_relation, with_kwargs=True))
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    @staticmethod
    def _row(relation: Tensor, size: Tuple[int, int], x: float,
             y: float) -> Tensor:
        """The relation (1, 1, h', w') over the keys of the query in the feature
        pixel holding (x, y) (pixel i spans [i, i + 1)), of a (h, w) feature."""
        h, w = size
        col = int(np.clip(np.floor(x), 0, w - 1))
        row = int(np.clip(np.floor(y), 0, h - 1))
        keys = relation.shape[-1]
        key_size = (h, w) if keys == h * w else (h // 2, w // 2)
        return relation[row * w + col].reshape(1, 1, *key_size).float()


@register_output_adapter('HTCorrMSegHead')
class HTCorrMSegAdapter(_HTCorrMAdapter):
    """HTCorrM in ``HumanEncoderDecoder``: an edge-main model's edge probabilities
    (``pred_edge_map``, from mmseg's one-channel ``seg_logits``, which hold the
    sigmoid) and parsing encoder's classes (``pred_sem_seg``)."""

    def complete(self, samples: List) -> None:
        if self.core.main != 'edge':
            return
        parsing = self.outputs['predictions'].get('parsing')
        for i, sample in enumerate(samples):
            sample.pred_edge_map = PixelData(data=sample.seg_logits.data)
            if parsing is not None:
                probs = self._to_image(parsing[i:i + 1].softmax(1), sample)
                sample.pred_sem_seg = PixelData(data=probs.argmax(1))

    def _to_image(self, maps: Tensor, sample) -> Tensor:
        """(1, C, h, w) over the padded input -> (1, C, *ori_shape), as the
        model maps its parsing logits back."""
        align_corners = self.model.align_corners
        maps = resize(maps, self._input_size(sample), mode='bilinear',
                      align_corners=align_corners)
        h, w = sample.metainfo['img_shape'][:2]
        return resize(maps[..., :h, :w], sample.metainfo['ori_shape'][:2],
                      mode='bilinear', align_corners=align_corners)

    @staticmethod
    def _input_size(sample) -> Tuple[int, int]:
        """The model input's (h, w): padded by the data preprocessor's test
        settings, else the transformed image."""
        meta = sample.metainfo
        return tuple(meta.get('pad_shape', meta['img_shape'])[:2])

    def relation(self, sample, index: int,
                 query_xy: Tuple[float, float]) -> np.ndarray:
        size = self.outputs['refined'].shape[2:]
        pad_h, pad_w = self._input_size(sample)
        scale_x, scale_y = np.asarray(
            sample.metainfo.get('scale_factor', (1.0, 1.0)))[:2]
        x = (query_xy[0] + 0.5) * scale_x * size[1] / pad_w
        y = (query_xy[1] + 0.5) * scale_y * size[0] / pad_h
        row = self._row(self.outputs['relation'][index], size, x, y)
        return _numpy(self._to_image(row, sample)[0, 0])


@register_output_adapter('HTCorrMPoseHead')
class HTCorrMPoseAdapter(_HTCorrMAdapter):
    """HTCorrM in mmpose's ``TopdownPoseEstimator``: the parsing and edge encoders'
    predictions of each person box warped back to the image.

    Per pixel, the parsing takes the most confident foreground class over the
    persons (background where no box reaches); the edge, the highest probability.
    """

    def complete_topdown(self, merged, samples: List) -> None:
        predictions = self.outputs['predictions']
        if 'parsing' in predictions:
            probs = np.stack([
                self._to_image(predictions['parsing'][i].softmax(0), sample)
                for i, sample in enumerate(samples)
            ])
            inside = np.stack([
                self._to_image(torch.ones_like(predictions['parsing'][i][:1]),
                               sample)[0] for i, sample in enumerate(samples)
            ])
            background = (probs[:, 0] + 1 - inside).min(0)
            foreground = probs[:, 1:].max(0)
            parsing = np.concatenate([background[None], foreground]).argmax(0)
            merged.pred_sem_seg = PixelData(
                data=torch.from_numpy(parsing[None]))
        if 'edge' in predictions:
            edge = np.stack([
                self._to_image(predictions['edge'][i].sigmoid(), sample)[0]
                for i, sample in enumerate(samples)
            ]).max(0)
            merged.pred_edge_map = PixelData(data=torch.from_numpy(edge[None]))

    @staticmethod
    def _to_image(maps: Tensor, sample) -> np.ndarray:
        """(C, h, w) over the person's input -> (C, *ori_shape), 0 outside."""
        maps = _numpy(maps.float())
        meta = sample.metainfo
        # one channel goes as (h, w): OpenCV returns a 2-D map for it
        reverted = revert_heatmap(maps[0] if len(maps) == 1 else maps,
                                  meta['input_center'], meta['input_scale'],
                                  meta['ori_shape'][:2])
        return reverted.reshape(len(maps), *reverted.shape[-2:])

    def relation(self, sample, index: int,
                 query_xy: Tuple[float, float]) -> np.ndarray:
        size = self.outputs['refined'].shape[2:]
        warp = get_warp_matrix(
            np.asarray(sample.metainfo['input_center']).reshape(2),
            np.asarray(sample.metainfo['input_scale']).reshape(2),
            rot=0,
            output_size=(size[1], size[0]))
        x, y = warp @ np.array([query_xy[0], query_xy[1], 1.0])
        row = self._row(self.outputs['relation'][index], size, x + 0.5,
                        y + 0.5)
        row = F.interpolate(row, size, mode='bilinear', align_corners=False)
        return self._to_image(row[0], sample)[0]


def _seg_pipelines(model: nn.Module) -> Dict[bool, Compose]:
    """The test pipeline without annotations, for paths (False) and arrays
    (True)."""
    transforms = [
        t for t in model.cfg.test_dataloader.dataset.pipeline
        if t['type'] not in ANNOTATION_TRANSFORMS
    ]
    from_array = copy.deepcopy(transforms)
    from_array[0]['type'] = 'LoadImageFromNDArray'
    return {False: Compose(transforms), True: Compose(from_array)}


def _inference_seg(model: nn.Module, imgs: Sequence[ImageInput],
                   adapter: OutputAdapter,
                   relation_query: Optional[Tuple[float, float]]) -> List:
    pipelines = _seg_pipelines(model)
    data = [
        pipelines[isinstance(img, np.ndarray)](
            dict(img=img) if isinstance(img, np.ndarray) else dict(
                img_path=img)) for img in imgs
    ]
    groups: Dict[tuple, List[int]] = {}
    for i, item in enumerate(data):
        groups.setdefault(tuple(item['inputs'].shape), []).append(i)
    results = [None] * len(data)
    for indices in groups.values():
        with adapter.capture(relation_query is not None), torch.no_grad():
            samples = model.test_step(
                pseudo_collate([data[i] for i in indices]))
            adapter.complete(samples)
        for j, (i, sample) in enumerate(zip(indices, samples)):
            results[i] = human_result(sample)
            if relation_query is not None:
                results[i].relation = adapter.relation(
                    sample, j, relation_query).astype(np.float32)
    return results


def _inference_topdown(model: nn.Module, img: ImageInput,
                       bboxes: Optional[np.ndarray], adapter: OutputAdapter,
                       relation_query: Optional[Tuple[float, float]]
                       ) -> HumanResult:
    with adapter.capture(relation_query is not None), torch.no_grad():
        samples = mmpose.apis.inference_topdown(model, img, bboxes)
    merged = merge_data_samples(samples)
    adapter.complete_topdown(merged, samples)
    result = human_result(merged)
    if relation_query is not None:
        result.relation = adapter.relation(samples[0], 0,
                                           relation_query).astype(np.float32)
    return result


def inference_human(
    model: nn.Module,
    imgs: Union[ImageInput, Sequence[ImageInput]],
    bboxes: Optional[Union[np.ndarray, Sequence[np.ndarray]]] = None,
    relation_query: Optional[Tuple[float, float]] = None
) -> Union[HumanResult, List[HumanResult]]:
    """Predict every task the model has on whole images.

    Args:
        model: A model from :func:`init_model`.
        imgs: An image path or BGR array (H, W, 3), or a list of them.
        bboxes: Top-down (mmpose-world) models only: the person boxes (N, 4) in
            xyxy pixels of each image (one array, or a list with one per image);
            None takes the whole image as the box.
        relation_query: (x, y) image pixel whose HNL relation map to return in
            ``HumanResult.relation`` (for several top-down boxes, the first box's).

    Returns:
        A :class:`HumanResult` per image (a list for a list input), in the
        image's pixels: parsing map, edge probabilities, keypoints with scores,
        where the model predicts them.
    """
    single = not isinstance(imgs, (list, tuple))
    imgs = [imgs] if single else list(imgs)
    for img in imgs:
        if isinstance(img, str) and not osp.isfile(img):
            raise FileNotFoundError(f'inference_human: no image at {img}')
    adapter = output_adapter(model)
    if model.cfg.default_scope == 'mmseg':
        if bboxes is not None:
            raise ValueError('inference_human: person boxes are for top-down '
                             '(mmpose-world) models only')
        results = _inference_seg(model, imgs, adapter, relation_query)
    else:
        if bboxes is None or single:
            bboxes = [bboxes] * len(imgs)
        if len(bboxes) != len(imgs):
            raise ValueError(f'inference_human: {len(bboxes)} box arrays for '
                             f'{len(imgs)} images')
        results = [
            _inference_topdown(model, img, boxes, adapter, relation_query)
            for img, boxes in zip(imgs, bboxes)
        ]
    return results[0] if single else results


def inference_folder(model: nn.Module,
                     folder: str,
                     batch_size: int = 8) -> Iterator[Tuple[str, HumanResult]]:
    """Predict the images of a folder (sorted by name), ``batch_size`` at a time.

    Args:
        model: A model from :func:`init_model`.
        folder: A folder of images (suffixes in ``IMAGE_SUFFIXES``).
        batch_size: Images per call of :func:`inference_human`.

    Yields:
        (image path, :class:`HumanResult`) per image.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'inference_folder: no folder {folder}')
    paths = sorted(
        osp.join(folder, name) for name in os.listdir(folder)
        if name.lower().endswith(IMAGE_SUFFIXES))
    for start in range(0, len(paths), batch_size):
        chunk = paths[start:start + batch_size]
        yield from zip(chunk, inference_human(model, chunk))

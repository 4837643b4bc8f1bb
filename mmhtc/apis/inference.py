"""Inference with mmhtc models of either library: every task a model predicts.

:func:`init_model` builds a model from an mmseg-world config (``default_scope='mmseg'``:
parsing or edge as the main task) or an mmpose-world config (``'mmpose'``: top-down
pose as the main task) with that library's ``init_model``. :func:`inference_human`
runs the model's own test step, which writes every prediction into the data samples
(``HumanEncoderDecoder``, ``HTCorrMPoseHead``, ``NPPNet``), and converts them into a
:class:`~mmhtc.structures.HumanResult` per image, in the image's pixels. Top-down
models predict per person box: mmpose-world estimators through mmpose's
``inference_topdown``, whose parsing and edge maps are merged into the image here;
:class:`~mmhtc.models.segmentors.TopDownHuman` (mmseg world) crops, predicts and
pastes back itself.
"""
import copy
import os
import os.path as osp
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

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
from torch import Tensor, nn

from ..datasets.base import BaseHumanDataset
from ..models.segmentors.top_down_human import TopDownHuman
from ..models.utils.person_crops import merge_parsing
from ..models.utils.predictions import to_original
from ..registry import POSE_DATASETS, SEG_DATASETS
from ..structures import HumanResult, human_result
from ..structures.human_result import to_numpy

ImageInput = Union[str, np.ndarray]
#: Transforms of a test pipeline that need annotations; inference drops them.
ANNOTATION_TRANSFORMS = ('LoadAnnotations', 'LoadHumanAnnotations', 'GenerateHumanEdge',
                         'GenerateEdge', 'GenerateTarget', 'mmpose.GenerateTarget')
#: Image folder suffixes read by :func:`inference_folder`.
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')


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
        return reg.get(dataset['type']) if isinstance(dataset['type'],
                                                      str) else dataset['type']


def _config_dataset_meta(config: Config) -> Optional[dict]:
    """Classes, palette and keypoint definitions of the config's test dataset, for
    mmhtc's datasets (None for others)."""
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

    The model is the config's, as ``tools/test.py`` builds it; SyncBN layers
    become BN. ``model.dataset_meta`` is the checkpoint's
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
        if 'backbone' in config.model:
            config.model.backbone.pop('init_cfg', None)
        model = revert_sync_batchnorm(mmseg.apis.init_model(config, None, device))
    else:
        model = mmpose.apis.init_model(_pose_meta_config(config), None, device)
        model.cfg = config
    model.dataset_meta = _config_dataset_meta(config) or getattr(
        model, 'dataset_meta', None)
    if checkpoint is not None:
        loaded = load_checkpoint(model, checkpoint, map_location=device)
        if 'dataset_meta' in loaded.get('meta', {}):
            model.dataset_meta = loaded['meta']['dataset_meta']
    return model


def _seg_pipelines(model: nn.Module) -> Dict[bool, Compose]:
    """The test pipeline without annotations, for paths (False) and arrays (True)."""
    transforms = [
        t for t in model.cfg.test_dataloader.dataset.pipeline
        if t['type'] not in ANNOTATION_TRANSFORMS
    ]
    from_array = copy.deepcopy(transforms)
    from_array[0]['type'] = 'LoadImageFromNDArray'
    return {False: Compose(transforms), True: Compose(from_array)}


@contextmanager
def _test_cfg(model: nn.Module, **options) -> Iterator[None]:
    """The model's ``test_cfg`` with ``options`` set, for one test step."""
    saved = copy.deepcopy(model.test_cfg)
    model.test_cfg.update(options)
    try:
        yield
    finally:
        model.test_cfg = saved


def _inference_seg(model: nn.Module, imgs: Sequence[ImageInput],
                   bboxes: Sequence[Optional[np.ndarray]],
                   relation_query: Optional[Tuple[float, float]]) -> List[HumanResult]:
    pipelines = _seg_pipelines(model)
    data = [
        pipelines[isinstance(img, np.ndarray)](dict(
            img=img) if isinstance(img, np.ndarray) else dict(img_path=img))
        for img in imgs
    ]
    for item, boxes in zip(data, bboxes):
        if boxes is not None:
            item['data_samples'].set_metainfo(
                dict(person_bboxes=np.asarray(boxes, np.float32).reshape(-1, 4)))
    groups: Dict[tuple, List[int]] = {}
    for i, item in enumerate(data):
        groups.setdefault(tuple(item['inputs'].shape), []).append(i)
    results = [None] * len(data)
    for indices in groups.values():
        with _test_cfg(model, return_relation=relation_query is not None), \
                torch.no_grad():
            samples = model.test_step(pseudo_collate([data[i] for i in indices]))
        for i, sample in zip(indices, samples):
            results[i] = human_result(sample)
            if relation_query is not None:
                results[i].relation = _seg_relation(sample, relation_query,
                                                    model.align_corners)
    return results


def _relation_row(relation: PixelData, x: float, y: float) -> Tensor:
    """The attention (1, 1, h', w') over the keys of the query in the feature pixel
    holding (x, y) (pixel i spans [i, i + 1)) of ``relation`` (N, h, w)."""
    h, w = relation.shape
    col = int(np.clip(np.floor(x), 0, w - 1))
    row = int(np.clip(np.floor(y), 0, h - 1))
    return relation.data[:, row, col].reshape(1, 1, *relation.key_shape).float()


def _seg_relation(sample, query_xy: Tuple[float, float],
                  align_corners: bool) -> np.ndarray:
    """The relation map (H, W) of image pixel ``query_xy`` from the sample's
    ``pred_relation``, over the image as the model maps its logits back."""
    if 'pred_relation' not in sample:
        raise ValueError('inference_human: the model wrote no relation map '
                         '(pred_relation) into its samples')
    meta = sample.metainfo
    size = sample.pred_relation.shape
    pad_h, pad_w = meta.get('pad_shape', meta['img_shape'])[:2]
    scale_x, scale_y = np.asarray(meta.get('scale_factor', (1.0, 1.0)))[:2]
    row = _relation_row(sample.pred_relation,
                        (query_xy[0] + 0.5) * scale_x * size[1] / pad_w,
                        (query_xy[1] + 0.5) * scale_y * size[0] / pad_h)
    return to_numpy(to_original(row, meta, (pad_h, pad_w),
                                align_corners)[0, 0]).astype(np.float32)


def _person_to_image(maps: Tensor, sample) -> np.ndarray:
    """(C, h, w) over a person's input -> (C, *ori_shape), 0 outside the box."""
    maps = to_numpy(maps.float())
    meta = sample.metainfo
    # one channel goes as (h, w): OpenCV returns a 2-D map for it
    reverted = revert_heatmap(maps[0] if len(maps) == 1 else maps, meta['input_center'],
                              meta['input_scale'], meta['ori_shape'][:2])
    return reverted.reshape(len(maps), *reverted.shape[-2:])


def _merge_persons(merged, samples: List) -> None:
    """The persons' parsing and edge maps (``pred_fields``) as image maps.

    Per pixel, the parsing is arbitrated over the persons by
    :func:`~mmhtc.models.utils.person_crops.merge_parsing` (background
    where no box reaches); the edge takes the highest probability.
    """
    fields = [sample.pred_fields for sample in samples]
    if 'parsing' in fields[0]:
        probs = np.stack(
            [_person_to_image(f.parsing, s) for f, s in zip(fields, samples)])
        inside = np.stack([
            _person_to_image(torch.ones_like(f.parsing[:1]), s)[0]
            for f, s in zip(fields, samples)
        ])
        parsing = merge_parsing(probs, inside).argmax(0)
        merged.pred_sem_seg = PixelData(data=torch.from_numpy(parsing[None]))
    if 'edge' in fields[0]:
        edge = np.stack(
            [_person_to_image(f.edge, s)[0] for f, s in zip(fields, samples)]).max(0)
        merged.pred_edge_map = PixelData(data=torch.from_numpy(edge[None]))


def _topdown_relation(sample, query_xy: Tuple[float, float]) -> np.ndarray:
    """The relation map (H, W) of image pixel ``query_xy`` from a person sample's
    ``pred_fields.relation``, 0 outside the person's box."""
    fields = sample.pred_fields
    if 'relation' not in fields:
        raise ValueError('inference_human: the model wrote no relation map '
                         '(pred_fields.relation) into its samples')
    size = fields.shape
    warp = get_warp_matrix(
        np.asarray(sample.metainfo['input_center']).reshape(2),
        np.asarray(sample.metainfo['input_scale']).reshape(2),
        rot=0,
        output_size=(size[1], size[0]))
    x, y = warp @ np.array([query_xy[0], query_xy[1], 1.0])
    row = _relation_row(
        PixelData(data=fields.relation, metainfo=dict(key_shape=fields.key_shape)),
        x + 0.5, y + 0.5)
    row = F.interpolate(row, size, mode='bilinear', align_corners=False)
    return _person_to_image(row[0], sample)[0].astype(np.float32)


def _inference_topdown(model: nn.Module, img: ImageInput, bboxes: Optional[np.ndarray],
                       relation_query: Optional[Tuple[float, float]]) -> HumanResult:
    with _test_cfg(model, return_relation=relation_query is not None), \
            torch.no_grad():
        samples = mmpose.apis.inference_topdown(model, img, bboxes)
    merged = merge_data_samples(samples)
    if 'pred_fields' in samples[0]:
        _merge_persons(merged, samples)
    result = human_result(merged)
    if relation_query is not None:
        result.relation = _topdown_relation(samples[0], relation_query)
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
        bboxes: Top-down models only (mmpose-world estimators and
            :class:`~mmhtc.models.segmentors.TopDownHuman`): the person boxes
            (N, 4) in xyxy pixels of each image (one array, or a list with one
            per image). None: the ``TopDownHuman``'s detector where it has one,
            else the whole image as the box.
        relation_query: (x, y) image pixel whose HNL relation map to return in
            ``HumanResult.relation`` (for several top-down boxes, the first box's).

    Returns:
        A :class:`HumanResult` per image (a list for a list input), in the
        image's pixels: parsing map, edge probabilities, keypoints with scores
        (N persons for top-down models), where the model predicts them.
    """
    single = not isinstance(imgs, (list, tuple))
    imgs = [imgs] if single else list(imgs)
    for img in imgs:
        if isinstance(img, str) and not osp.isfile(img):
            raise FileNotFoundError(f'inference_human: no image at {img}')
    top_down = isinstance(model, TopDownHuman)
    if bboxes is not None and model.cfg.default_scope == 'mmseg' and \
            not top_down:
        raise ValueError('inference_human: person boxes are for top-down '
                         'models only (mmpose-world estimators, TopDownHuman)')
    if top_down and relation_query is not None:
        raise ValueError('inference_human: TopDownHuman predicts no relation '
                         'map of the whole image; relation_query must be None')
    if bboxes is None or single:
        bboxes = [bboxes] * len(imgs)
    if len(bboxes) != len(imgs):
        raise ValueError(f'inference_human: {len(bboxes)} box arrays for '
                         f'{len(imgs)} images')
    if model.cfg.default_scope == 'mmseg':
        results = _inference_seg(model, imgs, bboxes, relation_query)
    else:
        results = [
            _inference_topdown(model, img, boxes, relation_query)
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

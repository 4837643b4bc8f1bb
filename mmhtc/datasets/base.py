"""The joint human sample: one image with parsing, edge and keypoint ground truth."""
import copy
import logging
import os
import os.path as osp
import re
import tempfile
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from PIL import Image
from torch.utils.data import get_worker_info

from .pose_annotations import Persons, read_coco_keypoints

#: Metainfo entries copied into every sample for the transforms: mmpose's set, the
#: parsing classes and the class pairs that a horizontal flip swaps.
SAMPLE_METAINFO_KEYS = ('dataset_name', 'upper_body_ids', 'lower_body_ids',
                        'flip_pairs', 'flip_indices', 'skeleton_links',
                        'dataset_keypoint_weights', 'classes', 'class_flip_pairs')


def expand_pose_metainfo(metainfo: dict, owner: str) -> dict:
    """Replace ``pose_metainfo`` (mmpose format) by its parsed entries.

    Args:
        metainfo: Dataset metainfo with ``classes``, ``palette``,
            ``class_flip_pairs`` and optionally ``pose_metainfo``.
        owner: The dataset's name, for error messages.

    Returns:
        The metainfo with mmpose's parsed keypoint entries (``num_keypoints``,
        ``flip_indices``, ``skeleton_links``, ``sigmas``, ...) merged in.
    """
    pose = metainfo.pop('pose_metainfo', None)
    if pose is not None:
        parsed = parse_pose_metainfo(copy.deepcopy(pose))
        parsed.update(metainfo)
        metainfo = parsed
    classes, palette = metainfo.get('classes'), metainfo.get('palette')
    if classes is not None and palette is not None and len(classes) != len(palette):
        raise ValueError(f'{owner}: {len(classes)} classes but {len(palette)} '
                         'palette colours')
    return metainfo


def _loading_record(owner_pid: int, worker_pid: int) -> str:
    """The file in which data loader worker ``worker_pid`` of the process ``owner_pid``
    names the sample it is loading."""
    return osp.join(tempfile.gettempdir(), f'mmhtc-loading-{owner_pid}-{worker_pid}')


def lost_samples_message(error: BaseException) -> Optional[str]:
    """Explain a data loader worker that died without raising.

    torch reports a killed worker as ``DataLoader worker (pid 123) is killed by
    signal: Killed.`` or ``... (pid(s) 123, 456) exited unexpectedly``. The
    workers of :class:`BaseHumanDataset` name the sample they are loading in a
    small file (:func:`_loading_record`); this reads those of the dead workers.

    Args:
        error: An exception raised in the process that owns the data loaders.

    Returns:
        The message to raise instead: torch's, the samples the dead workers were
        loading (their files) and the usual causes; ``None`` when ``error`` is no
        worker death.
    """
    found = re.search(r'DataLoader worker \(pid(?:\(s\))? ([\d, ]+)\)', str(error))
    if found is None:
        return None
    samples = []
    for pid in re.findall(r'\d+', found.group(1)):
        record = _loading_record(os.getpid(), int(pid))
        if osp.isfile(record):
            with open(record, encoding='utf-8') as f:
                samples.append(f'worker {pid} was loading {f.read()}')
            os.remove(record)
    where = '; ' + ('; '.join(samples) or 'no sample was being loaded')
    return (f'{error}{where}. A worker killed by the system (signal Killed) '
            'usually ran out of memory: lower num_workers or batch_size, or '
            'check the memory a transform of this sample needs.')


def add_sample_metainfo(data_info: dict, metainfo: dict) -> dict:
    """Copy the metainfo entries the transforms read into one sample."""
    for key in SAMPLE_METAINFO_KEYS:
        if key in metainfo:
            data_info[key] = copy.deepcopy(metainfo[key])
    return data_info


@contextmanager
def naming_lost_samples() -> Iterator[None]:
    """Run a Runner's loop; a data loader worker that died without raising is re-raised
    as a ``RuntimeError`` naming the samples it was loading
    (:func:`lost_samples_message`)."""
    try:
        yield
    except RuntimeError as error:
        lost = lost_samples_message(error)
        if lost is None:
            raise
        raise RuntimeError(lost) from error


class BaseHumanDataset(BaseDataset):
    """Base class of the mmhtc human datasets, shared by mmseg and mmpose.

    A sample is one image with, where the dataset has them:

    - ``seg_map_path``: the parsing map, an H x W PNG of class ids (255 = ignore);
    - ``edge_map_path``: a binary edge map (otherwise edges are generated from the
      parsing map by ``GenerateHumanEdge``);
    - the persons: ``keypoints`` (N, K, 2), ``keypoints_visible`` (N, K), ``bbox``
      (N, 4) in xyxy pixels and ``bbox_score`` (N, ).

    The keys are those of mmseg (``seg_map_path``, ``seg_fields``,
    ``reduce_zero_label``) and mmpose (``keypoints``, ``bbox``, ``flip_indices``), so
    both libraries' transforms work on the samples. ``METAINFO`` holds the parsing
    ``classes``, ``palette`` and ``class_flip_pairs``, and under ``pose_metainfo`` a
    keypoint definition in mmpose's format; the latter is parsed and its entries
    (``num_keypoints``, ``flip_indices``, ``skeleton_links``, ...) are merged into
    the dataset's metainfo.

    Args:
        ann_file: A text file listing the image ids of the split, one per line.
            Empty: every image in ``data_prefix['img_path']``.
        pose_file: The keypoint annotation file; ``None`` for a dataset without
            keypoints (then N = 0).
        data_prefix: Folders of the images (``img_path``) and, when the dataset
            has them, of the parsing maps (``seg_map_path``) and edge maps
            (``edge_map_path``).
        data_mode: ``'bottomup'``: one sample per image with all its persons, as
            segmentors and image-level models use it. ``'topdown'``: one sample per
            person with at least one annotated keypoint (N = 1), as mmpose's
            top-down estimators use it.
        img_suffix: File suffix of the images.
        seg_map_suffix: File suffix of the parsing and edge maps.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO: dict = dict()
    #: Whether each image is a crop around its one person (the box is the image).
    person_is_image: bool = False

    def __init__(self,
                 ann_file: str = '',
                 pose_file: Optional[str] = None,
                 data_prefix: Optional[Dict[str, str]] = None,
                 data_mode: str = 'bottomup',
                 img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        if data_mode not in ('bottomup', 'topdown'):
            raise ValueError(f'{type(self).__name__}: data_mode must be '
                             f"'bottomup' or 'topdown', got {data_mode!r}")
        self.data_mode = data_mode
        self._owner_pid = os.getpid()
        self.pose_file = pose_file
        self.img_suffix = img_suffix
        self.seg_map_suffix = seg_map_suffix
        super().__init__(
            ann_file=ann_file, data_prefix=data_prefix or dict(img_path=''), **kwargs)

    @classmethod
    def _load_metainfo(cls, metainfo: Optional[dict] = None) -> dict:
        """Merge ``metainfo`` into ``METAINFO`` and expand ``pose_metainfo``."""
        return expand_pose_metainfo(super()._load_metainfo(metainfo), cls.__name__)

    def _join_prefix(self) -> None:
        super()._join_prefix()
        if self.pose_file and not osp.isabs(self.pose_file) and self.data_root:
            self.pose_file = osp.join(self.data_root, self.pose_file)

    @property
    def num_keypoints(self) -> int:
        """K, the keypoints of one person (0 for a dataset without keypoints)."""
        return self._metainfo.get('num_keypoints', 0)

    def load_data_list(self) -> List[dict]:
        """Load the image records and, in top-down mode, split them by person."""
        images = self.load_image_list()
        if not images:
            raise ValueError(f'{type(self).__name__}: the split is empty '
                             f'(ann_file={self.ann_file!r}, images in '
                             f"{self.data_prefix.get('img_path')!r})")
        if self.data_mode == 'bottomup':
            return images
        instances = []
        for image in images:
            for n in np.flatnonzero(image['keypoints_visible'].any(axis=1)):
                instance = dict(image)
                for key in ('keypoints', 'keypoints_visible', 'bbox', 'bbox_score'):
                    instance[key] = image[key][n:n + 1]
                instance['id'] = len(instances)
                instances.append(instance)
        return instances

    def load_image_list(self) -> List[dict]:
        """One record per image of the split (see :meth:`image_record`).

        Images that ``pose_file`` has no entry for get no persons (logged); a
        ``pose_file`` that matches no image of the split is an error. In
        training sets (not ``test_mode``) annotated joints outside their image
        are marked not visible (logged): they cannot be a heatmap peak, and one
        bad joint should not stop a long run. Test sets keep their annotations
        as given for the metrics.
        """
        poses = self.read_poses() if self.pose_file else {}
        records, unmatched = [], []
        self._outside: List[str] = []
        for img_id in self.read_ids():
            name = img_id + self.img_suffix
            if self.pose_file and name not in poses:
                unmatched.append(name)
            records.append(self.image_record(img_id, poses.get(name)))
        if self._outside:
            print_log(
                f'{type(self).__name__}: {len(self._outside)} annotated joints '
                'lie outside their image and are marked not visible (e.g. '
                f'{self._outside[0]})',
                logger='current',
                level=logging.WARNING)
        if records and len(unmatched) == len(records):
            raise ValueError(f'{type(self).__name__}: no image of the split has '
                             f'an entry in {self.pose_file}')
        if unmatched:
            print_log(
                f'{type(self).__name__}: {len(unmatched)} images have no entry '
                f'in {self.pose_file} (e.g. {unmatched[0]}); they get no persons',
                logger='current',
                level=logging.WARNING)
        return records

    def read_poses(self) -> Dict[str, Persons]:
        """Persons per image file name from ``pose_file`` (COCO-format json)."""
        return read_coco_keypoints(self.pose_file, self.num_keypoints)

    def get_data_info(self, idx: int) -> dict:
        """Return the sample with the metainfo entries the transforms read."""
        return add_sample_metainfo(super().get_data_info(idx), self._metainfo)

    def prepare_data(self, idx: int) -> Any:
        """Sample ``idx`` through the pipeline; an error names its files.

        An exception of a transform keeps its type and gets a note (shown in the
        traceback, and in the message torch re-raises for a data loader worker)
        naming the dataset, the index and the sample's image, parsing and edge
        files. In a data loader worker the sample is also named in
        :func:`_loading_record` while it loads, for :func:`lost_samples_message`
        when the worker is killed.
        """
        data_info = self.get_data_info(idx)
        files = ', '.join(f'{key} {data_info[key]}'
                          for key in ('img_path', 'seg_map_path', 'edge_map_path')
                          if key in data_info)
        sample = f'{type(self).__name__} sample {idx} ({files})'
        record = None
        if get_worker_info() is not None:
            record = _loading_record(self._owner_pid, os.getpid())
            with open(record, 'w', encoding='utf-8') as f:
                f.write(sample)
        try:
            return self.pipeline(data_info)
        except Exception as error:
            error.add_note(f'while loading {sample}')
            raise
        finally:
            if record is not None:
                os.remove(record)

    def read_ids(self) -> List[str]:
        """The image ids of the split: ``ann_file`` lines, or the image folder."""
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(
                    f'{type(self).__name__}: ann_file {self.ann_file} does not '
                    'exist')
            with open(self.ann_file, encoding='utf-8') as f:
                return [line.strip() for line in f if line.strip()]
        img_dir = self.data_prefix['img_path']
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'{type(self).__name__}: image folder '
                                    f'{img_dir} does not exist')
        return sorted(name[:-len(self.img_suffix)] for name in os.listdir(img_dir)
                      if name.endswith(self.img_suffix))

    def image_record(self, img_id: str, persons: Optional[Persons] = None) -> dict:
        """Build the record of one image and check that its files exist.

        Args:
            img_id: The image id (file name without suffix).
            persons: ``(keypoints, keypoints_visible, bboxes)`` of shapes (N, K, 2),
                (N, K), (N, 4); ``None`` for no persons. NaN boxes are derived from
                the keypoints, or are the whole image where
                ``person_is_image`` (datasets of single-person crops).

        Returns:
            The record: ``img_id``, ``img_path``, ``seg_map_path`` and
            ``edge_map_path`` when the dataset has them, ``seg_fields``,
            ``reduce_zero_label`` and the persons' arrays.
        """
        record = dict(
            img_id=img_id,
            img_path=osp.join(self.data_prefix['img_path'], img_id + self.img_suffix),
            seg_fields=[],
            reduce_zero_label=False)
        for key in ('seg_map_path', 'edge_map_path'):
            if key in self.data_prefix:
                record[key] = osp.join(self.data_prefix[key],
                                       img_id + self.seg_map_suffix)
        for key in ('img_path', 'seg_map_path', 'edge_map_path'):
            if key in record and not osp.isfile(record[key]):
                listed = f', listed in {self.ann_file}' if self.ann_file else ''
                raise FileNotFoundError(
                    f'{type(self).__name__}: {key} {record[key]} of image '
                    f'{img_id!r}{listed} does not exist')
        num_kpt = self.num_keypoints
        if persons is None:
            persons = (np.zeros(
                (0, num_kpt, 2), np.float32), np.zeros(
                    (0, num_kpt), np.float32), np.zeros((0, 4), np.float32))
        keypoints, visible, bboxes = persons
        if not self.test_mode:
            keypoints, visible, outside = self._hide_joints_outside(
                record['img_path'], keypoints, visible)
            getattr(self, '_outside', []).extend(outside)
        if self.person_is_image:
            with Image.open(record['img_path']) as img:
                width, height = img.size
            bboxes = np.tile(
                np.array([0, 0, width, height], np.float32), (len(bboxes), 1))
        record.update(
            keypoints=keypoints,
            keypoints_visible=visible,
            bbox=self._boxes_from_keypoints(keypoints, visible, bboxes),
            bbox_score=np.ones(len(keypoints), np.float32))
        return record

    @staticmethod
    def _hide_joints_outside(img_path: str, keypoints: np.ndarray,
                             visible: np.ndarray) -> tuple:
        """Mark visible joints outside the image (x not in [0, W) or y not in [0, H)) as
        not visible, with coordinates 0.

        Args:
            img_path: The image, whose size is read from its header.
            keypoints: (N, K, 2) pixel coordinates.
            visible: (N, K) visibility.

        Returns:
            The new ``keypoints`` and ``visible`` and one description (file,
            person, joint, coordinates) per hidden joint.
        """
        if not (visible > 0).any():
            return keypoints, visible, []
        with Image.open(img_path) as img:
            width, height = img.size
        x, y = keypoints[..., 0], keypoints[..., 1]
        bad = (visible > 0) & ((x < 0) | (y < 0) | (x >= width) | (y >= height))
        found = [
            f'{img_path} ({width} x {height}): person {n}, joint {k} at '
            f'({x[n, k]:g}, {y[n, k]:g})' for n, k in np.argwhere(bad)
        ]
        keypoints = np.where(bad[..., None], 0, keypoints).astype(np.float32)
        visible = np.where(bad, 0, visible).astype(np.float32)
        return keypoints, visible, found

    @staticmethod
    def _boxes_from_keypoints(keypoints: np.ndarray, visible: np.ndarray,
                              bboxes: np.ndarray) -> np.ndarray:
        """Fill NaN boxes with the visible keypoints' extent enlarged by 25%."""
        bboxes = bboxes.astype(np.float32).copy()
        for n in np.flatnonzero(np.isnan(bboxes).any(axis=1)):
            pts = keypoints[n][visible[n] > 0]
            if len(pts) == 0:
                bboxes[n] = 0
                continue
            center = (pts.min(0) + pts.max(0)) / 2
            half = np.maximum(pts.max(0) - pts.min(0), 1.0) * 1.25 / 2
            bboxes[n] = np.concatenate([center - half, center + half])
        return bboxes

"""Readers of the keypoint annotation files the human datasets come with.

Each reader returns, per image file name, the persons of that image as ``(keypoints,
keypoints_visible, bboxes)``: float32 arrays of shapes (N, K, 2), (N, K) and (N, 4)
(xyxy, NaN where the file gives no box). Coordinates are 0-based pixels; a joint that is
not annotated has visibility 0 and coordinates 0.
"""
import csv
import json
import os
from typing import Dict, Tuple

import numpy as np

Persons = Tuple[np.ndarray, np.ndarray, np.ndarray]


def read_lip_pose_csv(path: str, num_keypoints: int = 16) -> Dict[str, Persons]:
    """Read LIP's official pose CSV (``lip_{train,val}_set.csv``).

    No header, one row per single-person image: ``<name>.jpg`` then ``x, y, flag`` for
    each of the 16 joints; a joint that is not annotated is ``nan,nan,nan``. The flag is
    a 0/1 marker whose meaning LIP does not make clear; it is not used: a joint is
    visible (1) when annotated.

    Args:
        path: The CSV file.
        num_keypoints: The joints per row.

    Returns:
        Image file name -> persons, with N = 1.

    Raises:
        ValueError: A row has the wrong number of fields, a value that is not a
            number, or a joint that is only partly NaN; the message names the file
            and line.
    """
    persons: Dict[str, Persons] = {}
    num_fields = 1 + 3 * num_keypoints
    with open(path, newline='', encoding='utf-8') as f:
        for line_no, row in enumerate(csv.reader(f), start=1):
            if not row:
                continue
            where = f'{path}, line {line_no}'
            if len(row) != num_fields:
                raise ValueError(f'{where}: expected {num_fields} fields '
                                 f'(image name + {num_keypoints} x (x, y, '
                                 f'flag)), got {len(row)}')
            try:
                values = np.array(row[1:], dtype=np.float32)
            except ValueError as err:
                raise ValueError(f'{where}: {err}') from None
            triples = values.reshape(num_keypoints, 3)
            missing = np.isnan(triples)
            partial = missing.any(axis=1) & ~missing.all(axis=1)
            if partial.any():
                raise ValueError(f'{where}: joints {np.flatnonzero(partial)} '
                                 'are only partly NaN')
            if row[0] in persons:
                raise ValueError(f'{where}: image {row[0]} listed twice')
            visible = (~missing[:, 0]).astype(np.float32)
            keypoints = np.nan_to_num(triples[:, :2], nan=0.0)
            persons[row[0]] = (keypoints[None], visible[None],
                               np.full((1, 4), np.nan, dtype=np.float32))
    return persons


def read_coco_keypoints(path: str, num_keypoints: int) -> Dict[str, Persons]:
    """Read person keypoints from a COCO-format json file.

    This is the format in which keypoint pseudo-labels (CIHP, ATR) and converted
    PASCAL-Person-Part poses are given: ``images`` with ``id`` and ``file_name``;
    ``annotations`` with ``image_id``, ``keypoints`` (``[x, y, v] * K``, v > 0 when
    annotated) and optionally ``bbox`` (``[x, y, w, h]``). Images are matched by the
    base name of ``file_name``.

    Args:
        path: The json file.
        num_keypoints: K, the joints each annotation must have.

    Returns:
        Image file name -> persons. Images without annotations have N = 0.

    Raises:
        ValueError: Malformed content; the message names the file and annotation.
    """
    with open(path, encoding='utf-8') as f:
        content = json.load(f)
    for key in ('images', 'annotations'):
        if key not in content:
            raise ValueError(f'{path}: no "{key}" list (expected COCO format)')
    names = {img['id']: os.path.basename(img['file_name']) for img in content['images']}
    grouped: Dict[str, list] = {name: [] for name in names.values()}
    for ann in content['annotations']:
        where = f'{path}, annotation id {ann.get("id")}'
        if ann.get('image_id') not in names:
            raise ValueError(f'{where}: unknown image_id {ann.get("image_id")}')
        kpts = np.asarray(ann.get('keypoints', []), dtype=np.float32)
        if kpts.size != 3 * num_keypoints or not np.isfinite(kpts).all():
            raise ValueError(f'{where}: expected {3 * num_keypoints} finite '
                             f'keypoint values, got {kpts.size}')
        box = np.asarray(ann.get('bbox', [np.nan] * 4), dtype=np.float32)
        box[2:] += box[:2]
        grouped[names[ann['image_id']]].append((kpts.reshape(-1, 3), box))
    persons: Dict[str, Persons] = {}
    for name, anns in grouped.items():
        kpts = np.stack([a[0] for a in anns]) if anns else np.zeros(
            (0, num_keypoints, 3), np.float32)
        boxes = np.stack([a[1] for a in anns]) if anns else np.zeros((0, 4), np.float32)
        visible = (kpts[..., 2] > 0).astype(np.float32)
        persons[name] = (kpts[..., :2] * visible[..., None], visible, boxes)
    return persons

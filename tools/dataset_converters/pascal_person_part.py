"""Make PASCAL-Person-Part parsing PNGs from PASCAL-Part's ``Annotations_Part``.

Each ``<id>.mat`` of PASCAL-Part holds the objects of one image with their part
masks. Person parts are merged into Chen et al.'s six classes (head, torso, upper
arms, lower arms, upper legs, lower legs; 0 = background) and painted in file order,
later parts over earlier ones. Person pixels that no part covers stay 0.

Usage:
    python tools/dataset_converters/pascal_person_part.py \\
        data/pascal_person_part/Annotations_Part \\
        data/pascal_person_part/pascal_person_part_gt [--ids val_id.txt]
"""
import argparse
import os
import os.path as osp
from typing import Dict, Optional

import numpy as np
from PIL import Image
from scipy.io import loadmat

#: PASCAL-Part person part name -> PASCAL-Person-Part class id.
PART_TO_CLASS: Dict[str, int] = {
    name: class_id
    for names, class_id in (
        (('head', 'hair', 'leye', 'reye', 'lear', 'rear', 'lebrow', 'rebrow', 'nose',
          'mouth'), 1),
        (('torso', 'neck'), 2),
        (('luarm', 'ruarm'), 3),
        (('llarm', 'rlarm', 'lhand', 'rhand'), 4),
        (('luleg', 'ruleg'), 5),
        (('llleg', 'rlleg', 'lfoot', 'rfoot'), 6),
    )
    for name in names
}


def convert_mat(mat_path: str) -> np.ndarray:
    """Return the (H, W) uint8 PASCAL-Person-Part label of one PASCAL-Part file.

    Raises:
        ValueError: The file does not have PASCAL-Part's structure, or names a
            person part outside :data:`PART_TO_CLASS`.
    """
    try:
        anno = loadmat(mat_path)['anno'][0, 0]
        objects = anno['objects'][0]
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(f'{mat_path}: not a PASCAL-Part annotation '
                         f'(anno.objects): {err}') from None
    label: Optional[np.ndarray] = None
    for obj in objects:
        if label is None:
            label = np.zeros(obj['mask'].shape, np.uint8)
        if str(obj['class'][0]) != 'person' or obj['parts'].size == 0:
            continue
        for part in obj['parts'][0]:
            name = str(part['part_name'][0])
            if name not in PART_TO_CLASS:
                raise ValueError(f'{mat_path}: unknown person part {name!r}')
            label[part['mask'] > 0] = PART_TO_CLASS[name]
    if label is None:
        raise ValueError(f'{mat_path}: no objects')
    return label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_dir', help='PASCAL-Part Annotations_Part folder')
    parser.add_argument('out_dir', help='folder for the <id>.png labels')
    parser.add_argument('--ids', help='convert only the ids in this file')
    args = parser.parse_args()
    if args.ids:
        with open(args.ids, encoding='utf-8') as f:
            ids = [line.strip() for line in f if line.strip()]
    else:
        ids = sorted(
            osp.splitext(name)[0] for name in os.listdir(args.ann_dir)
            if name.endswith('.mat'))
    os.makedirs(args.out_dir, exist_ok=True)
    for img_id in ids:
        label = convert_mat(osp.join(args.ann_dir, img_id + '.mat'))
        Image.fromarray(label, mode='L').save(osp.join(args.out_dir, img_id + '.png'))
    print(f'wrote {len(ids)} labels to {args.out_dir}')


if __name__ == '__main__':
    main()

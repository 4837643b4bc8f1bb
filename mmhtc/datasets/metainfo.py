"""Class and keypoint definitions of the human datasets.

Parsing classes, palettes and the left/right class pairs that a horizontal flip swaps.
Keypoint definitions follow mmpose's ``dataset_info`` format and are parsed with
:func:`mmpose.datasets.datasets.utils.parse_pose_metainfo`; where mmpose already ships
a definition (MPII = LIP order, COCO) its config file is referenced.
"""
import os.path as osp

import mmpose
from mmseg.datasets import LIPDataset

LIP_CLASSES = LIPDataset.METAINFO['classes']
LIP_PALETTE = LIPDataset.METAINFO['palette']
#: (Left-arm, Right-arm), (Left-leg, Right-leg), (Left-shoe, Right-shoe).
LIP_CLASS_FLIP_PAIRS = ((14, 15), (16, 17), (18, 19))

#: CIHP uses LIP's classes except index 10, "Torso-skin" instead of "Jumpsuits".
CIHP_CLASSES = LIP_CLASSES[:10] + ('Torso-skin', ) + LIP_CLASSES[11:]

#: ATR's 18 classes in the order of its label PNGs (Liang et al., Co-CNN).
ATR_CLASSES = ('Background', 'Hat', 'Hair', 'Sunglasses', 'Upper-clothes', 'Skirt',
               'Pants', 'Dress', 'Belt', 'Left-shoe', 'Right-shoe', 'Face', 'Left-leg',
               'Right-leg', 'Left-arm', 'Right-arm', 'Bag', 'Scarf')
ATR_PALETTE = ([0, 0, 0], [128, 0, 0], [255, 0, 0], [170, 0, 51], [255, 85,
                                                                   0], [0, 128,
                                                                        0], [0, 85, 85],
               [0, 0, 85], [85, 51, 0], [255, 255, 0], [255, 170,
                                                        0], [0, 0, 255], [85, 255, 170],
               [170, 255, 85], [51, 170, 221], [0, 255, 255], [128, 64,
                                                               128], [52, 86, 128])
ATR_CLASS_FLIP_PAIRS = ((9, 10), (12, 13), (14, 15))

#: PASCAL-Person-Part: six parts without left/right distinction.
PASCAL_PERSON_PART_CLASSES = ('Background', 'Head', 'Torso', 'Upper-arms', 'Lower-arms',
                              'Upper-legs', 'Lower-legs')
PASCAL_PERSON_PART_PALETTE = ([0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0],
                              [0, 0, 128], [128, 0, 128], [0, 128, 128])

_MMPOSE_DATASET_INFO = osp.join(
    osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_', 'datasets')
#: LIP's 16 joints are MPII's, in MPII's order.
MPII_KEYPOINTS = dict(from_file=osp.join(_MMPOSE_DATASET_INFO, 'mpii.py'))
#: Pose pseudo-labels of CIHP and ATR come from COCO-trained estimators.
COCO_KEYPOINTS = dict(from_file=osp.join(_MMPOSE_DATASET_INFO, 'coco.py'))


def _keypoint(name: str, kid: int, swap: str, kind: str) -> dict:
    color = [255, 128, 0] if name.startswith('right') else (
        [0, 255, 0] if name.startswith('left') else [51, 153, 255])
    return dict(name=name, id=kid, color=color, type=kind, swap=swap)


_PPP_JOINTS = ('right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee',
               'left_ankle', 'right_wrist', 'right_elbow', 'right_shoulder',
               'left_shoulder', 'left_elbow', 'left_wrist', 'neck', 'head_top')
_PPP_LINKS = (('right_ankle', 'right_knee'), ('right_knee', 'right_hip'),
              ('left_ankle', 'left_knee'), ('left_knee', 'left_hip'),
              ('right_hip', 'left_hip'), ('right_wrist', 'right_elbow'),
              ('right_elbow', 'right_shoulder'), ('left_wrist', 'left_elbow'),
              ('left_elbow', 'left_shoulder'), ('right_shoulder',
                                                'neck'), ('left_shoulder', 'neck'),
              ('neck', 'head_top'), ('right_hip', 'right_shoulder'), ('left_hip',
                                                                      'left_shoulder'))


def _swap(name: str) -> str:
    if name.startswith('right'):
        return 'left' + name[len('right'):]
    if name.startswith('left'):
        return 'right' + name[len('left'):]
    return ''


#: The 14 joints of the extended PASCAL-Person-Part (Xia et al., CVPR 2017), in the
#: LSP order used by its annotation files. OKS sigmas reuse COCO's values of the
#: matching joints; neck and head top take the shoulder and ear values.
PASCAL_PERSON_PART_KEYPOINTS = dict(
    dataset_name='pascal_person_part',
    paper_info=dict(
        author='Fangting Xia, Peng Wang, Xianjie Chen, Alan L. Yuille',
        title='Joint Multi-Person Pose Estimation and Semantic Part '
        'Segmentation',
        container='CVPR',
        year='2017'),
    keypoint_info={
        i: _keypoint(name, i, _swap(name), 'lower' if i < 6 else 'upper')
        for i, name in enumerate(_PPP_JOINTS)
    },
    skeleton_info={
        i: dict(link=link, id=i, color=[0, 255, 0])
        for i, link in enumerate(_PPP_LINKS)
    },
    joint_weights=[
        1.5, 1.2, 1.0, 1.0, 1.2, 1.5, 1.5, 1.2, 1.0, 1.0, 1.2, 1.5, 1.0, 1.0
    ],
    sigmas=[
        0.089, 0.087, 0.107, 0.107, 0.087, 0.089, 0.062, 0.072, 0.079, 0.079, 0.072,
        0.062, 0.079, 0.035
    ])

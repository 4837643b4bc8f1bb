"""A SYNTHETIC human dataset in the layout and formats of LIP: its generator and
:class:`SyntheticLIPDataset`, which generates it on first use and reads it.

Nothing written here is real data. Each sample is one person drawn from a random 2D
skeleton (standing, walking, bent knees; arms down, on the hips, level, raised or in
front of the body; slight torso and head tilt; front, back and half-turned views),
dressed at random (upper-clothes with pants, shorts or a skirt, a dress, a coat over
upper-clothes, a jumpsuit; sleeves, gloves, socks, shoes, hat, sunglasses, scarf)
over a textured background, sometimes cut by the image border.

Files follow the official LIP ``TrainVal_*`` release, so LIP loaders read them:

- ``TrainVal_images/{train,val}_images/<id>.jpg``: JPEGs of shape (H, W, 3), about
  5% single-channel (H, W) like LIP's grayscale JPEGs; ``{train,val}_id.txt``.
- ``TrainVal_parsing_annotations/{train,val}_segmentations/<id>.png``: 8-bit
  single-channel (H, W) labels holding the 20 LIP class ids 0..19.
- ``TrainVal_pose_annotations/lip_{train,val}_set.csv``: no header, one row
  ``<id>.jpg,x1,y1,f1,...,x16,y16,f16`` per image in MPII joint order, integer pixel
  coordinates; joints outside the image are ``nan,nan,nan``; the flag is 1 for a
  joint hidden behind another body part (the far arm behind the torso), else 0.

Every part is drawn twice from the same geometry, anti-aliased into the image and
with hard edges into the label, so image and label edges agree within 1 px. Every
pixel within 1 px of an annotated joint has a class of :data:`PLAUSIBLE_CLASSES`.
"""
import os
import os.path as osp
import shutil
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from mmengine.dist import barrier, get_dist_info

from ..registry import DATASETS, register_into
from .lip import LIPHumanDataset

GENERATOR_VERSION = 1
JPEG_QUALITY = 90
GRAY_FRACTION = 0.05
MAX_ATTEMPTS = 40
SHIFT = 4  # fractional bits of the fixed-point coordinates given to cv2
SPLITS = (('train', 1), ('val', 2))
DATA_DIRS = ('TrainVal_images', 'TrainVal_parsing_annotations',
             'TrainVal_pose_annotations')
MARKER = 'SYNTHETIC.md'
MARKER_TEXT = """# SYNTHETIC data in the LIP layout

Every image, parsing label and pose annotation in this folder is synthetic, drawn
by mmhtc's generator (`mmhtc/datasets/synthetic_lip.py`) from random skeletons,
clothes and backgrounds. None of it comes from the real LIP dataset; only the
layout, file formats, class ids and joint order follow LIP.

- seed: {seed}
- train images: {num_train}
- val images: {num_val}

{parameters}
"""

#: Joint index -> LIP classes the pixels at and around that joint may have.
PLAUSIBLE_CLASSES: Dict[int, Tuple[int, ...]] = {
    0: (8, 9, 10, 17, 19),  # R_Ankle: shoe, sock, bare leg, trousers
    1: (6, 7, 9, 10, 12, 17),  # R_Knee: bare leg or the clothes over it
    2: (5, 6, 7, 9, 10, 12),  # R_Hip: clothes over the hip
    3: (5, 6, 7, 9, 10, 12),  # L_Hip
    4: (6, 7, 9, 10, 12, 16),  # L_Knee
    5: (8, 9, 10, 16, 18),  # L_Ankle
    6: (5, 6, 7, 9, 10, 12),  # Pelvis
    7: (2, 5, 6, 7, 10, 11),  # Thorax: top, coat, scarf, hair down the back
    8: (2, 13),  # Upper neck: neck skin (LIP labels it face), hair seen from behind
    9: (1, 2),  # Head top: hat, hair
    10: (3, 5, 6, 7, 10, 15),  # R_Wrist: arm, glove, sleeve, torso in front of it
    11: (5, 6, 7, 10, 15),  # R_Elbow
    12: (5, 6, 7, 10, 15),  # R_Shoulder
    13: (5, 6, 7, 10, 14),  # L_Shoulder
    14: (5, 6, 7, 10, 14),  # L_Elbow
    15: (3, 5, 6, 7, 10, 14),  # L_Wrist
}

ARM_JOINTS = {'right': (12, 11, 10), 'left': (13, 14, 15)}  # shoulder, elbow, wrist
LEG_JOINTS = {'right': (2, 1, 0), 'left': (3, 4, 5)}  # hip, knee, ankle
ARM_CLASS, LEG_CLASS, SHOE_CLASS = (dict(right=r, left=r - 1) for r in (15, 17, 19))
#: Joint index -> body groups whose parts may cover the joint without hiding it.
JOINT_GROUPS = {
    0: ('right_leg', 'lower'),
    1: ('right_leg', 'lower'),
    2: ('right_leg', 'torso', 'lower'),
    3: ('left_leg', 'torso', 'lower'),
    4: ('left_leg', 'lower'),
    5: ('left_leg', 'lower'),
    6: ('right_leg', 'left_leg', 'torso', 'lower'),
    7: ('torso', 'lower', 'head'),
    8: ('head', ),
    9: ('head', ),
    **{
        j: ('right_arm', )
        for j in ARM_JOINTS['right']
    },
    **{
        j: ('left_arm', )
        for j in ARM_JOINTS['left']
    }
}
#: Outward angle ranges in degrees from straight down: (upper segment, bend).
ARM_POSES = {
    'down': ((0, 25), (-10, 20)),
    'akimbo': ((25, 45), (-110, -70)),
    'level': ((65, 100), (-20, 70)),
    'raised': ((100, 170), (-30, 30)),
    'front': ((-5, 15), (-110, -70))
}
LEG_POSES = {
    'stand': ((-4, 8), (-6, 6)),
    'wide': ((8, 22), (-8, 4)),
    'bent': ((10, 25), (-40, -15)),
    'walk': ((-10, 15), (-10, 10))
}
OUTFITS = ('pants', 'shorts', 'skirt', 'dress', 'coat', 'jumpsuit')
OUTFIT_PROBS = (0.3, 0.12, 0.15, 0.15, 0.18, 0.1)
HAIR_COLORS = np.array([(20, 20, 25), (25, 35, 55), (40, 70, 110), (90, 160, 200),
                        (150, 150, 155), (30, 45, 140)], np.float32)  # BGR


@dataclass
class Part:
    """A region: ``shapes`` filled with ``fill``, a BGR (3,) colour or (H, W, 3) map.

    ``label`` is its LIP class (None for image-only details such as eyes) and
    ``group`` the body group that decides whether a joint under it is hidden.
    """
    label: Optional[int]
    group: str
    shapes: list
    fill: np.ndarray


@dataclass
class Figure:
    """Skeleton of one person: ``joints`` (16, 2) as (x, y) pixels."""
    joints: np.ndarray
    fh: float  # body height (head top to ankles when standing) in pixels
    up: np.ndarray  # (2,) unit vector along the torso
    right: np.ndarray  # (2,) unit vector across the torso, towards the image right
    head_up: np.ndarray  # (2,) unit vector along the head
    back_view: bool
    far_side: Optional[str]  # the side turned away from the camera, if any

    def side_x(self, side: str) -> float:
        """Image x direction (+1 or -1) of the person's ``side``."""
        return (1.0 if self.back_view else -1.0) * (1 if side == 'right' else -1)


def _fixed(p: np.ndarray) -> Tuple[int, int]:
    return int(round(p[0] * 2**SHIFT)), int(round(p[1] * 2**SHIFT))


def _draw(mask: np.ndarray, shapes: list, line_type: int) -> None:
    """Fill ``shapes`` with 255 in the (H, W) uint8 ``mask``."""
    for kind, *args in shapes:
        if kind == 'capsule':
            p, q, width = args
            cv2.line(mask, _fixed(p), _fixed(q), 255, max(int(round(width)), 2),
                     line_type, SHIFT)
        elif kind == 'polygon':
            points = np.round(np.asarray(args[0]) * 2**SHIFT).astype(np.int32)
            cv2.fillPoly(mask, [points], 255, line_type, SHIFT)
        else:
            center, axes, angle = args
            cv2.ellipse(mask, _fixed(center), _fixed(axes), angle, 0, 360, 255, -1,
                        line_type, SHIFT)


def _rasterize(parts: List[Part], h: int, w: int) -> Tuple[np.ndarray, np.ndarray]:
    """The (H, W) uint8 label map and the (H, W) index of the part on top (-1)."""
    label = np.zeros((h, w), np.uint8)
    top = np.full((h, w), -1, np.int16)
    mask = np.zeros((h, w), np.uint8)
    for index, part in enumerate(parts):
        if part.label is not None:
            mask[:] = 0
            _draw(mask, part.shapes, cv2.LINE_8)
            label[mask > 0] = part.label
            top[mask > 0] = index
    return label, top


def _render(parts: List[Part], canvas: np.ndarray) -> None:
    """Blend anti-aliased parts into the (H, W, 3) float32 canvas, labelled ones shaded
    darker towards their edges."""
    mask = np.zeros(canvas.shape[:2], np.uint8)
    for part in parts:
        mask[:] = 0
        _draw(mask, part.shapes, cv2.LINE_AA)
        x, y, bw, bh = cv2.boundingRect(mask)
        if bw == 0:
            continue
        roi = (slice(y, y + bh), slice(x, x + bw))
        fill = part.fill[roi] if part.fill.ndim == 3 else part.fill
        if part.label is not None:
            dist = cv2.distanceTransform(mask[roi], cv2.DIST_L2, 3)
            fill = fill * (0.7 + 0.3 * np.sqrt(dist / max(dist.max(), 1)))[..., None]
        alpha = mask[roi].astype(np.float32)[..., None] / 255
        canvas[roi] += alpha * (fill - canvas[roi])


def _pattern(rng: np.random.Generator, h: int, w: int, period: float) -> np.ndarray:
    """Random stripes or checks: (H, W) float32 in {0, 1}."""
    angle = rng.uniform(0, np.pi / 2)
    ys, xs = np.arange(h, dtype=np.float32)[:, None], np.arange(w, dtype=np.float32)
    bands = [xs * np.cos(angle) + ys * np.sin(angle)]
    if rng.random() < 0.5:
        bands.append(ys * np.cos(angle) - xs * np.sin(angle) + w)
    return (sum((b / period).astype(np.int32) for b in bands) & 1).astype(np.float32)


def _garment_fill(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A plain BGR colour (3,) or, for a third of the garments, an (H, W, 3) texture."""
    color = rng.uniform(15, 240, 3).astype(np.float32)
    if rng.random() < 0.66:
        return color
    second = rng.uniform(15, 240, 3).astype(np.float32)
    pattern = _pattern(rng, h, w, rng.uniform(2.5, 8))[..., None]
    return color + pattern * (second - color)


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(H, W, 3) float32: a gradient, maybe stripes/checks, blobs, smooth noise."""
    low, high = rng.uniform(0, 255, (2, 3)).astype(np.float32)
    vertical = rng.random() < 0.5
    ramp = np.linspace(0, 1, h if vertical else w, dtype=np.float32)
    ramp = ramp[:, None, None] if vertical else ramp[None, :, None]
    canvas = np.broadcast_to(low + ramp * (high - low), (h, w, 3)).copy()
    if rng.random() < 0.5:
        tint = rng.uniform(-60, 60, 3).astype(np.float32)
        canvas += _pattern(rng, h, w, rng.uniform(4, 30))[..., None] * tint
    _render([
        Part(None, 'background', [('ellipse', rng.uniform(
            (0, 0), (w, h)), rng.uniform(5, 0.4 * h, 2), rng.uniform(0, 180))],
             rng.uniform(0, 255, 3).astype(np.float32))
        for _ in range(rng.integers(2, 9))
    ], canvas)
    noise = rng.normal(0, 1, (h // 12 + 2, w // 12 + 2, 3)).astype(np.float32)
    noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    return canvas + noise * rng.uniform(5, 20)


def _sample_style(rng: np.random.Generator, h: int, w: int, back_view: bool) -> dict:
    """Outfit, colours, textures and accessories of one person."""
    skin = np.array([180, 205, 240]) - rng.uniform() * np.array([140, 145, 145])
    skin = (skin + rng.uniform(-10, 10, 3)).astype(np.float32)
    outfit = OUTFITS[rng.choice(len(OUTFITS), p=OUTFIT_PROBS)]
    fills = {
        key: _garment_fill(rng, h, w)
        for key in ('top', 'bottom', 'coat', 'hat', 'scarf', 'glove')
    }
    return dict(
        fills,
        outfit=outfit,
        skin=skin,
        dark=skin * 0.35,
        hair=HAIR_COLORS[rng.integers(len(HAIR_COLORS))] + rng.uniform(-12, 12, 3),
        shoe=rng.uniform(10, 200, 3),
        sock=rng.uniform(10, 250, 3),
        hair_len=rng.choice([0, 0, rng.uniform(0.03, 0.16)]),
        sleeve='long' if outfit == 'coat' else rng.choice(['none', 'short', 'long']),
        hem=rng.uniform(-0.02, 0.06),
        skirt_len=rng.uniform(0.14, 0.4),
        flare=rng.uniform(1.1, 2.0),
        hat_on=rng.random() < 0.15,
        gloves=rng.random() < 0.08,
        socks=rng.random() < 0.35,
        sunglasses=not back_view and rng.random() < 0.12,
        scarf_on=rng.random() < 0.1)


def _limb(start: np.ndarray, down: np.ndarray, out: np.ndarray, angles: Tuple[float,
                                                                              float],
          lengths: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Middle and end joint of a two-segment limb; ``angles`` in degrees."""
    first, second = np.radians(angles[0]), np.radians(angles[0] + angles[1])
    mid = start + lengths[0] * (np.cos(first) * down + np.sin(first) * out)
    return mid, mid + lengths[1] * (np.cos(second) * down + np.sin(second) * out)


def _sample_figure(rng: np.random.Generator, h: int, w: int, back_view: bool) -> Figure:
    """Sample joint angles, proportions, scale and placement of one person."""
    tilt, head_tilt = np.radians(rng.uniform(-8, 8)), np.radians(rng.uniform(-12, 12))
    up = np.array([np.sin(tilt), -np.cos(tilt)])
    head_up = np.array([np.sin(tilt + head_tilt), -np.cos(tilt + head_tilt)])
    turn = rng.uniform(0.6, 1.0)  # apparent width of a turned body
    far_side = str(rng.choice(['right', 'left'])) if turn < 0.72 else None
    fig = Figure(
        np.zeros((16, 2)), 1.0, up, np.array([-up[1], up[0]]), head_up, back_view,
        far_side)
    joints = fig.joints  # in units of the body height, pelvis (joint 6) at 0
    joints[7] = up * 0.30
    joints[8] = joints[7] + up * 0.055
    joints[9] = joints[8] + head_up * rng.uniform(0.115, 0.135)
    shoulder_w = rng.uniform(0.095, 0.115) * turn
    hip_w = rng.uniform(0.055, 0.07) * turn
    arm_poses = [p for p in ARM_POSES if not (back_view and p == 'front')]
    leg_pose = LEG_POSES[rng.choice(list(LEG_POSES))]
    for side in ('right', 'left'):
        out = fig.side_x(side) * fig.right
        shoulder, elbow, wrist = ARM_JOINTS[side]
        joints[shoulder] = joints[7] + out * shoulder_w - up * 0.015
        first, bend = ARM_POSES[rng.choice(arm_poses)]
        joints[elbow], joints[wrist] = _limb(joints[shoulder], -up, out,
                                             (rng.uniform(*first), rng.uniform(*bend)),
                                             rng.uniform(0.65, 1.0, 2) * (0.165, 0.145))
        hip, knee, ankle = LEG_JOINTS[side]
        joints[hip] = out * hip_w
        joints[knee], joints[ankle] = _limb(
            joints[hip], np.array([0.0, 1.0]), np.array([fig.side_x(side), 0.0]),
            (rng.uniform(*leg_pose[0]), rng.uniform(*leg_pose[1])),
            rng.uniform(0.82, 1.0, 2) * (0.245, 0.235))
    framing = rng.choice(['full', 'upper', 'shifted'], p=(0.72, 0.16, 0.12))
    top, bottom = joints[9, 1] - 0.03, joints[[0, 5], 1].max() + 0.05
    fit = rng.uniform(1.3, 1.9) if framing == 'upper' else rng.uniform(0.8, 0.97)
    fig.fh = h * fit / (bottom - top)
    y0 = rng.uniform(0, max(h - fig.fh * (bottom - top), 0)) if framing == 'full' else 0
    offset = np.array([w / 2 + rng.uniform(-0.1, 0.1) * w, y0 - top * fig.fh])
    if framing == 'shifted':
        axis = rng.integers(2)
        offset[axis] += rng.choice([-1, 1]) * rng.uniform(0.2, 0.4) * (w, h)[axis]
    fig.joints = joints * fig.fh + offset
    return fig


def _torso_outline(fig: Figure, hem: float, flare: float, grow: float) -> np.ndarray:
    """(11, 2) polygon from the collar to ``hem`` body heights below the pelvis."""
    j, up, r, fh = fig.joints, fig.up, fig.right, fig.fh
    half_s = abs(np.dot(j[12] - j[13], r)) / 2 + grow * fh
    half_h = (abs(np.dot(j[2] - j[3], r)) / 2 + (0.03 + grow) * fh) * flare
    sides = [[
        j[7] + up * 0.03 * fh + s * r * 0.035 * fh,
        j[7] + up * (0.01 + grow) * fh + s * r * (half_s + 0.02 * fh),
        j[7] - up * 0.08 * fh + s * r * (half_s - 0.005 * fh),
        j[7] - up * 0.2 * fh + s * r * 0.8 * half_s,
        j[6] - up * hem * fh + s * r * half_h
    ] for s in (1, -1)]
    return np.array([j[7] + up * 0.018 * fh] + sides[0] + sides[1][::-1])


def _head_parts(fig: Figure, st: dict) -> List[Part]:
    """Hair, face with eyes and mouth, sunglasses and hat, back to front."""
    neck, size = fig.joints[8], np.linalg.norm(fig.joints[9] - fig.joints[8])
    hu = fig.head_up
    hr = np.array([-hu[1], hu[0]])
    angle = np.degrees(np.arctan2(hr[1], hr[0]))

    def at(along: float, across: float = 0.0) -> np.ndarray:
        return neck + (hu * along + hr * across) * size

    def ellipse(along: float, axes: Tuple[float, float], across: float = 0.0):
        return 'ellipse', at(along, across), np.array(axes) * size, angle

    hat = Part(1, 'head', [
        ellipse(1.0, (0.42, 0.22)),
        ('capsule', at(0.85, -0.5), at(0.85, 0.5), 0.08 * size)
    ], st['hat'])
    if fig.back_view:
        parts = [Part(2, 'head', [ellipse(0.5, (0.43, 0.6))], st['hair'])]
    else:
        parts = [
            Part(2, 'head', [ellipse(0.55, (0.44, 0.56))], st['hair']),
            Part(13, 'head', [ellipse(0.47, (0.36, 0.55))], st['skin']),
            Part(2, 'head', [ellipse(0.88, (0.42, 0.26))], st['hair']),
            Part(None, 'head', [
                ellipse(0.55, (0.05, 0.03), -0.15),
                ellipse(0.55, (0.05, 0.03), 0.15),
                ('capsule', at(0.22, -0.1), at(0.22, 0.1), 0.05 * size)
            ], st['dark'])
        ]
        if st['sunglasses']:
            parts.append(
                Part(4, 'head', [ellipse(0.55, (0.13, 0.08), s) for s in (-0.16, 0.16)],
                     st['dark'] * 0.3))
    return parts + ([hat] if st['hat_on'] else [])


def _arm_parts(fig: Figure, st: dict, side: str, sleeve_class: int) -> List[Part]:
    """Skin of one arm and its hand, then its sleeve and glove."""
    shoulder, elbow, wrist = (fig.joints[i] for i in ARM_JOINTS[side])
    fh, group = fig.fh, side + '_arm'
    tip = wrist + (wrist - elbow) / max(np.linalg.norm(wrist - elbow), 1e-6) * 0.06 * fh
    parts = [
        Part(ARM_CLASS[side], group, [('capsule', shoulder, elbow, 0.05 * fh),
                                      ('capsule', elbow, wrist, 0.042 * fh),
                                      ('capsule', wrist, tip, 0.045 * fh)], st['skin'])
    ]
    sleeve = st['coat'] if sleeve_class == 7 else st['top']
    if st['sleeve'] == 'short':
        end = shoulder + (elbow - shoulder) * 0.6
        parts.append(
            Part(sleeve_class, group, [('capsule', shoulder, end, 0.064 * fh)], sleeve))
    elif st['sleeve'] == 'long':
        parts.append(
            Part(sleeve_class, group, [('capsule', shoulder, elbow, 0.06 * fh),
                                       ('capsule', elbow, wrist, 0.052 * fh)], sleeve))
    if st['gloves']:
        parts.append(Part(3, group, [('capsule', wrist, tip, 0.052 * fh)], st['glove']))
    return parts


def _leg_parts(fig: Figure, st: dict, side: str, cover: Optional[int]) -> List[Part]:
    """Skin and sock of one leg, then its trouser leg of class ``cover``."""
    hip, knee, ankle = (fig.joints[i] for i in LEG_JOINTS[side])
    fh, group = fig.fh, side + '_leg'
    parts = [
        Part(LEG_CLASS[side], group, [('capsule', hip, knee, 0.075 * fh),
                                      ('capsule', knee, ankle, 0.055 * fh)], st['skin'])
    ]
    if st['socks']:
        parts.append(
            Part(8, group,
                 [('capsule', ankle, ankle + (knee - ankle) * 0.3, 0.06 * fh)],
                 st['sock']))
    if cover is not None:
        hem = knee + (hip - knee) * 0.6 if st['outfit'] == 'shorts' else ankle
        parts.append(
            Part(cover, group, [('capsule', hip, knee, 0.088 * fh),
                                ('capsule', knee, hem, 0.07 * fh)], st['bottom']))
    return parts


def _shoe(fig: Figure, st: dict, side: str, rng: np.random.Generator) -> Part:
    """A shoe at the ankle (sometimes just below it), toes turned outwards."""
    _, knee, ankle = (fig.joints[i] for i in LEG_JOINTS[side])
    shin = (ankle - knee) / max(np.linalg.norm(ankle - knee), 1e-6)
    start = ankle + shin * rng.uniform(-0.01, 0.035) * fig.fh
    toe = start + np.array([fig.side_x(side) * 0.015, 0.03]) * fig.fh
    return Part(SHOE_CLASS[side], side + '_leg',
                [('capsule', start, toe, 0.055 * fig.fh)], st['shoe'])


def _body_parts(fig: Figure, st: dict) -> List[Part]:
    """Hips of the trousers, neck, top, skirt or dress, coat: torso back to front."""
    j, up, r, fh, outfit = fig.joints, fig.up, fig.right, fig.fh, st['outfit']
    waist = j[6] + up * 0.05 * fh
    half = abs(np.dot(j[2] - j[3], r)) / 2 + 0.03 * fh
    parts = []
    if outfit in ('pants', 'shorts', 'coat', 'jumpsuit'):
        low = j[6] - up * 0.04 * fh
        parts.append(
            Part(10 if outfit == 'jumpsuit' else 9, 'torso', [('polygon', [
                waist - r * half, waist + r * half, low + r * half, low - r * half
            ])], st['bottom']))
    parts.append(
        Part(13, 'head',
             [('capsule', j[7], j[8] + fig.head_up * 0.015 * fh, 0.045 * fh)],
             st['skin']))
    top_class = {'dress': 6, 'jumpsuit': 10}.get(outfit, 5)
    outline = _torso_outline(fig, -0.04 if outfit == 'dress' else st['hem'], 1.0, 0.0)
    parts.append(Part(top_class, 'torso', [('polygon', outline)], st['top']))
    if outfit in ('skirt', 'dress'):
        hem = j[6] - up * st['skirt_len'] * fh
        parts.append(
            Part(top_class if outfit == 'dress' else 12, 'lower', [('polygon', [
                waist - r * half, waist + r * half, hem + r * half * st['flare'],
                hem - r * half * st['flare']
            ])], st['top' if outfit == 'dress' else 'bottom']))
    if outfit == 'coat':
        outline = _torso_outline(fig, st['skirt_len'] * 0.7, 1.3, 0.012)
        parts.append(Part(7, 'lower', [('polygon', outline)], st['coat']))
        if not fig.back_view:  # open front showing the upper-clothes
            gap, collar = r * 0.025 * fh, j[7] + up * 0.025 * fh
            low = j[6] - up * st['hem'] * fh
            parts.append(
                Part(5, 'torso',
                     [('polygon',
                       [collar - gap, collar + gap, low + gap * 1.5, low - gap * 1.5])],
                     st['top']))
    return parts


def _figure_parts(fig: Figure, st: dict, rng: np.random.Generator) -> List[Part]:
    """All parts of one person in drawing order (later parts cover earlier ones)."""
    j, up, r, fh = fig.joints, fig.up, fig.right, fig.fh
    sleeve = {'coat': 7, 'dress': 6, 'jumpsuit': 10}.get(st['outfit'], 5)
    cover = {'pants': 9, 'shorts': 9, 'coat': 9, 'jumpsuit': 10}.get(st['outfit'])
    near = [s for s in ('right', 'left') if s != fig.far_side]
    long_hair = []
    if st['hair_len']:
        size = np.linalg.norm(j[9] - j[8])
        head, head_r = j[8] + fig.head_up * 0.55 * size, r * 0.44 * size
        bottom, span = j[7] - up * st['hair_len'] * fh, r * 0.06 * fh
        long_hair = [
            Part(2, 'head',
                 [('polygon',
                   [head - head_r, head + head_r, bottom + span, bottom - span])],
                 st['hair'])
        ]
    parts = [] if fig.back_view else list(long_hair)
    if fig.far_side:
        parts += _arm_parts(fig, st, fig.far_side, sleeve)
    for side in near if fig.far_side is None else [fig.far_side] + near:
        parts += _leg_parts(fig, st, side, cover)
    parts += _body_parts(fig, st) + [_shoe(fig, st, s, rng) for s in ('right', 'left')]
    if st['scarf_on']:
        knot = j[7] + up * 0.025 * fh
        shapes = [('capsule', knot - r * 0.04 * fh, knot + r * 0.04 * fh, 0.035 * fh)]
        if not fig.back_view:
            shapes.append(
                ('capsule', knot, knot - (up * 0.13 - r * 0.02) * fh, 0.03 * fh))
        parts.append(Part(11, 'head', shapes, st['scarf']))
    parts += long_hair if fig.back_view else []
    for side in near:
        parts += _arm_parts(fig, st, side, sleeve)
    return parts + _head_parts(fig, st)


def _annotate(fig: Figure, parts: List[Part], label: np.ndarray,
              top: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Integer joints (16, 2) and, per joint (16,): inside the image, hidden flag, and
    whether all pixels within 1 px of it have plausible classes."""
    h, w = label.shape
    joints = np.round(fig.joints).astype(int)
    inside = (joints >= 0).all(1) & (joints[:, 0] < w) & (joints[:, 1] < h)
    flags = np.zeros(16, int)
    plausible = np.zeros(16, bool)
    for k in np.flatnonzero(inside):
        x, y = joints[k]
        window = label[max(y - 1, 0):y + 2, max(x - 1, 0):x + 2]
        plausible[k] = np.isin(window, PLAUSIBLE_CLASSES[k]).all()
        flags[k] = top[y, x] >= 0 and parts[top[y, x]].group not in JOINT_GROUPS[k]
    return joints, inside, flags, plausible


def _make_sample(seed: int, split_no: int,
                 index: int) -> Tuple[str, np.ndarray, np.ndarray, str]:
    """One sample: id, image (H, W, 3) or (H, W) uint8, label (H, W) uint8, CSV row."""
    rng = np.random.default_rng([seed, split_no, index])
    image_id = f'{index:06d}_{split_no}{rng.integers(10**5):05d}'
    h = int(rng.integers(160, 321))
    w = int(np.clip(round(h * rng.uniform(0.45, 0.95)), 100, 260))
    back_view = bool(rng.random() < 0.3)
    style = _sample_style(rng, h, w, back_view)
    for _ in range(MAX_ATTEMPTS):  # resample the pose until every joint is plausible
        fig = _sample_figure(rng, h, w, back_view)
        parts = _figure_parts(fig, style, rng)
        label, top = _rasterize(parts, h, w)
        joints, inside, flags, plausible = _annotate(fig, parts, label, top)
        if plausible[inside].all():
            break
    canvas = _background(rng, h, w)
    _render(parts, canvas)
    canvas = cv2.GaussianBlur(canvas, (0, 0), rng.uniform(0.3, 0.9))
    canvas += rng.normal(0, rng.uniform(2, 6), canvas.shape).astype(np.float32)
    image = np.clip(np.round(canvas), 0, 255).astype(np.uint8)
    if rng.random() < GRAY_FRACTION:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    fields = [f'{image_id}.jpg']
    for k in range(16):
        annotated = inside[k] and plausible[k]
        fields += [str(joints[k,
                              0]), str(joints[k, 1]),
                   str(flags[k])] if annotated else ['nan'] * 3
    return image_id, image, label, ','.join(fields)


def _imwrite(path: str, array: np.ndarray, *params: int) -> None:
    if not cv2.imwrite(path, array, list(params)):
        raise IOError(f'cannot write {path}')


def _write_split(root: str, split: str, split_no: int, num: int, seed: int) -> None:
    """Write the images, labels, id list and pose CSV of one split."""
    image_dir = osp.join(root, DATA_DIRS[0], f'{split}_images')
    label_dir = osp.join(root, DATA_DIRS[1], f'{split}_segmentations')
    for folder in (image_dir, label_dir, osp.join(root, DATA_DIRS[2])):
        os.makedirs(folder, exist_ok=True)
    ids, rows = [], []
    for index in range(num):
        image_id, image, label, row = _make_sample(seed, split_no, index)
        _imwrite(
            osp.join(image_dir, f'{image_id}.jpg'), image, cv2.IMWRITE_JPEG_QUALITY,
            JPEG_QUALITY)
        _imwrite(osp.join(label_dir, f'{image_id}.png'), label)
        ids.append(image_id)
        rows.append(row)
    with open(osp.join(root, DATA_DIRS[0], f'{split}_id.txt'), 'w') as f:
        f.write(''.join(f'{image_id}\n' for image_id in ids))
    with open(osp.join(root, DATA_DIRS[2], f'lip_{split}_set.csv'), 'w') as f:
        f.write(''.join(f'{row}\n' for row in rows))


def generate_synthetic_lip(root: str,
                           num_train: int = 300,
                           num_val: int = 60,
                           seed: int = 0) -> None:
    """Write a synthetic dataset in LIP's layout and formats under ``root``.

    The three ``TrainVal_*`` folders are built in a temporary folder inside ``root``
    and moved in place, replacing older ones, only when complete; ``SYNTHETIC.md`` is
    written last and marks completion. When it already records the same parameters
    nothing is written. Files depend only on the arguments, so equal arguments give
    byte-identical files.

    Args:
        root: Output folder, created if missing.
        num_train: Number of training samples.
        num_val: Number of validation samples.
        seed: Random seed.
    """
    parameters = (f'Generator: mmhtc.datasets.synthetic_lip v{GENERATOR_VERSION}, '
                  f'seed={seed}, num_train={num_train}, num_val={num_val}')
    marker = osp.join(root, MARKER)
    if osp.isfile(marker) and all(osp.isdir(osp.join(root, d)) for d in DATA_DIRS):
        with open(marker) as f:
            if parameters in f.read().splitlines():
                return
    if osp.isfile(marker):
        os.remove(marker)
    os.makedirs(root, exist_ok=True)
    staging = tempfile.mkdtemp(prefix='.synthetic_lip_', dir=root)
    try:
        for (split, split_no), num in zip(SPLITS, (num_train, num_val)):
            _write_split(staging, split, split_no, num, seed)
        for name in DATA_DIRS:
            if osp.isdir(osp.join(root, name)):
                shutil.rmtree(osp.join(root, name))
            os.replace(osp.join(staging, name), osp.join(root, name))
        with open(osp.join(staging, MARKER), 'w') as f:
            f.write(
                MARKER_TEXT.format(
                    seed=seed,
                    num_train=num_train,
                    num_val=num_val,
                    parameters=parameters))
        os.replace(osp.join(staging, MARKER), marker)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@register_into(*DATASETS)
class SyntheticLIPDataset(LIPHumanDataset):
    """:class:`LIPHumanDataset` on mmhtc's synthetic human data.

    The data (LIP's layout and formats, made by
    :func:`generate_synthetic_lip`) is written into
    ``data_root`` on first use; later uses find it complete and read it as is.

    Args:
        data_root: Where the data lives or is generated.
        num_train: Images of the train split.
        num_val: Images of the val split.
        seed: Seed of the generator; the data is a function of the three numbers.
        **kwargs: Arguments of :class:`LIPHumanDataset`.
    """

    def __init__(self,
                 data_root: str,
                 num_train: int = 300,
                 num_val: int = 60,
                 seed: int = 0,
                 **kwargs) -> None:
        # One process writes the data; in distributed runs the others wait for it.
        if get_dist_info()[0] == 0:
            generate_synthetic_lip(data_root, num_train, num_val, seed)
        barrier()
        super().__init__(data_root=data_root, **kwargs)

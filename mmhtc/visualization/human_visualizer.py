"""One visualizer for parsing, pose and edge predictions of either library."""
from typing import Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmengine.dist import master_only
from mmengine.visualization import Visualizer

from ..registry import POSE_VISUALIZERS, SEG_VISUALIZERS, register_into
from ..structures import HumanResult, human_result


@register_into(SEG_VISUALIZERS, POSE_VISUALIZERS)
class HumanVisualizer(Visualizer):
    """Draws the parsing overlay, the edges and the skeleton of a human sample.

    Reads ``SegDataSample`` and ``PoseDataSample`` alike (the names of
    :func:`mmhtc.structures.human_result`), so it serves as the ``visualizer`` of mmseg
    configs (``SegVisualizationHook``) and mmpose configs
    (``PoseVisualizationHook``). Colours come from ``dataset_meta``: the parsing
    ``palette``, and mmpose's ``skeleton_links`` with ``keypoint_colors`` and
    ``skeleton_link_colors``.

    Args:
        name: The instance name.
        alpha: Opacity of the parsing colours over the image. Default: 0.5.
        edge_thr: Edge probability above which a pixel is drawn. Default: 0.5.
        edge_color: RGB colour of the edges. Default: white.
        kpt_thr: Keypoint score above which joints and links are drawn.
            Default: 0.3.
        radius: Joint radius in pixels. Default: 3.
        line_width: Link width in pixels. Default: 2.
        **kwargs: Arguments of mmengine's ``Visualizer`` (``vis_backends``,
            ``save_dir``, ...).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 alpha: float = 0.5,
                 edge_thr: float = 0.5,
                 edge_color: Tuple[int, int, int] = (255, 255, 255),
                 kpt_thr: float = 0.3,
                 radius: int = 3,
                 line_width: int = 2,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.alpha = alpha
        self.edge_thr = edge_thr
        self.edge_color = np.asarray(edge_color, dtype=np.uint8)
        self.kpt_thr = kpt_thr
        self.radius = radius
        self.line_width = line_width

    def draw_human(self, image: np.ndarray, result: HumanResult) -> np.ndarray:
        """Draw a result on an RGB image (H, W, 3) of its size.

        Returns:
            The drawn RGB image (H, W, 3) uint8.
        """
        drawn = image.copy()
        if result.parsing is not None:
            drawn = self._draw_parsing(drawn, result.parsing)
        if result.edge is not None:
            drawn[result.edge > self.edge_thr] = self.edge_color
        if result.keypoints is not None:
            drawn = self._draw_skeleton(drawn, result.keypoints, result.keypoint_scores)
        return drawn

    def _draw_parsing(self, image: np.ndarray, parsing: np.ndarray) -> np.ndarray:
        """Blend the palette colour of each non-background class (id > 0)."""
        palette = (self.dataset_meta or {}).get('palette')
        if palette is None:
            raise KeyError('HumanVisualizer: dataset_meta has no "palette" '
                           'to colour the parsing map')
        palette = np.asarray(palette, dtype=np.float32)
        if parsing.max() >= len(palette):
            raise ValueError(f'HumanVisualizer: class id {parsing.max()} but '
                             f'the palette has {len(palette)} colours')
        colours = palette[parsing]
        foreground = (parsing > 0)[..., None]
        blended = (1 - self.alpha) * image + self.alpha * colours
        return np.where(foreground, blended, image).astype(np.uint8)

    def _draw_skeleton(self, image: np.ndarray, keypoints: np.ndarray,
                       scores: np.ndarray) -> np.ndarray:
        """Links then joints of every person (N, K, 2) above ``kpt_thr``."""
        meta = self.dataset_meta or {}
        num = keypoints.shape[1]
        joint_colours = np.asarray(meta.get('keypoint_colors',
                                            [[255, 0, 0]] * num)).reshape(-1, 3)
        links = meta.get('skeleton_links', [])
        link_colours = np.asarray(
            meta.get('skeleton_link_colors', [[0, 255, 0]] * len(links)))
        link_colours = link_colours.reshape(-1, 3)
        image = np.ascontiguousarray(image)
        for points, point_scores in zip(keypoints, scores):
            visible = point_scores > self.kpt_thr
            for (a, b), colour in zip(links, link_colours):
                if visible[a] and visible[b]:
                    cv2.line(image, _pixel(points[a]), _pixel(points[b]),
                             _colour(colour), self.line_width, cv2.LINE_AA)
            for k in np.flatnonzero(visible):
                cv2.circle(image, _pixel(points[k]), self.radius,
                           _colour(joint_colours[k % len(joint_colours)]), -1,
                           cv2.LINE_AA)
        return image

    def draw_relation(self, image: np.ndarray, relation: np.ndarray,
                      query_xy: Sequence[float]) -> np.ndarray:
        """The relation map of a query pixel over the image (HTCorrM Fig. 5/11).

        Args:
            image: RGB image (H, W, 3).
            relation: (H, W) attention of the query over the image.
            query_xy: The query pixel (x, y), marked with a cross.

        Returns:
            The map, min-max scaled and coloured with the jet colour map, blended
            with the image: RGB (H, W, 3) uint8.
        """
        if relation.shape != image.shape[:2]:
            raise ValueError(f'HumanVisualizer: relation map {relation.shape} '
                             f'and image {image.shape[:2]} differ in size')
        span = relation.max() - relation.min()
        scaled = (relation - relation.min()) / (span if span > 0 else 1)
        heat = cv2.applyColorMap((scaled * 255).astype(np.uint8),
                                 cv2.COLORMAP_JET)[..., ::-1]
        drawn = np.ascontiguousarray((0.4 * image + 0.6 * heat).astype(np.uint8))
        cv2.drawMarker(drawn, _pixel(query_xy), (255, 255, 255), cv2.MARKER_CROSS, 12,
                       2)
        return drawn

    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample=None,
                       draw_gt: bool = False,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       **kwargs) -> None:
        """Draw a sample's predictions (and, with ``draw_gt``, its ground-truth parsing,
        edges and keypoints on the left), then show, save or store.

        Args:
            name: The image name for the backends.
            image: RGB image (H, W, 3).
            data_sample: A ``SegDataSample`` or ``PoseDataSample``.
            draw_gt, draw_pred: Which sides to draw.
            show, wait_time: Show in a window.
            out_file: Write the drawing here instead of to the backends.
            step: The global step.
            **kwargs: Ignored arguments of the mmseg/mmpose hooks (``draw_bbox``,
                ``kpt_thr``, ...).
        """
        panels = []
        if draw_gt and data_sample is not None:
            panels.append(self.draw_human(image, _ground_truth(data_sample)))
        if draw_pred and data_sample is not None:
            panels.append(self.draw_human(image, human_result(data_sample)))
        drawn = np.concatenate(panels, axis=1) if panels else image
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(drawn[..., ::-1], out_file)
        else:
            self.add_image(name, drawn, step)


def _ground_truth(data_sample) -> HumanResult:
    """The sample's ground truth under the shared names."""
    result = HumanResult(data_sample=data_sample)
    if 'gt_sem_seg' in data_sample:
        parsing = data_sample.gt_sem_seg.data[0].cpu().numpy().astype(np.int64)
        result.parsing = np.where(parsing == 255, 0, parsing)
    if 'gt_edge_map' in data_sample:
        edge = data_sample.gt_edge_map.data[0].cpu().numpy()
        result.edge = (edge == 1).astype(np.float32)
    instances = data_sample.get('gt_instances')
    if instances is not None and 'keypoints' in instances:
        result.keypoints = np.asarray(instances.keypoints, dtype=np.float32)
        result.keypoint_scores = np.asarray(
            instances.get('keypoints_visible', np.ones(result.keypoints.shape[:2])),
            dtype=np.float32)
    return result


def _pixel(point: Sequence[float]) -> Tuple[int, int]:
    return int(round(float(point[0]))), int(round(float(point[1])))


def _colour(colour: Sequence[int]) -> Tuple[int, int, int]:
    return tuple(int(c) for c in colour)

"""An inferencer over images, folders, videos and webcams, on mmengine's
``BaseInferencer``.

:class:`HumanInferencer` builds a model with :func:`~mmhtc.apis.init_model` from
a config file, a config object or a model name of the metafiles
(``model-index.yml``), predicts every frame with
:func:`~mmhtc.apis.inference_human`, draws the predictions with
:class:`~mmhtc.visualization.HumanVisualizer` and writes them as images (an mp4
at the input's frame rate for a video or webcam) and JSON files.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

import cv2
import mmcv
import mmengine
import numpy as np
from mmengine.config import Config, ConfigDict
from mmengine.infer import BaseInferencer
from rich.progress import track
from torch import nn

from ..structures import HumanResult
from ..visualization import HumanVisualizer
from .inference import IMAGE_SUFFIXES, inference_human, init_model

#: File suffixes read as videos.
VIDEO_SUFFIXES = ('.mp4', '.avi', '.mov', '.mkv', '.webm')
#: Frame rate of the written video where the capture reports none.
DEFAULT_FPS = 30.0
#: An input item: its name (image path, or index) and its image path or BGR
#: image (H, W, 3).
Item = Tuple[str, Union[str, np.ndarray]]
#: A frame: its name and the BGR image (H, W, 3).
Frame = Tuple[str, np.ndarray]


@dataclass
class FrameSource:
    """The frames of an input.

    Attributes:
        items: (name, image path or BGR image) per frame, read lazily.
        total: The number of frames where known (None for a webcam).
        video_name: File name of the video output (None for images).
        fps: Frame rate of a video or webcam input.
    """
    items: Iterator[Item]
    total: Optional[int]
    video_name: Optional[str] = None
    fps: float = DEFAULT_FPS


def load_frame(item: Item) -> Frame:
    """An item with its image read (BGR) where it is a path."""
    name, image = item
    if isinstance(image, np.ndarray):
        return name, image
    if not osp.isfile(image):
        raise FileNotFoundError(f'HumanInferencer: no image at {image}')
    loaded = mmcv.imread(image)
    if loaded is None:
        raise ValueError(f'HumanInferencer: {image} is not a readable image')
    return name, loaded


def _capture_frames(capture: cv2.VideoCapture) -> Iterator[Frame]:
    """The frames of an opened capture (named by index), released at the end."""
    try:
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            yield f'{index:06d}', frame
            index += 1
    finally:
        capture.release()


def _capture_source(capture: cv2.VideoCapture, source: str,
                    video_name: str) -> FrameSource:
    """A video file and a webcam alike: OpenCV's capture."""
    if not capture.isOpened():
        raise ValueError(f'HumanInferencer: cannot open {source} as a video')
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    fps = capture.get(cv2.CAP_PROP_FPS)
    return FrameSource(
        _capture_frames(capture), total if total > 0 else None, video_name,
        fps if fps > 0 else DEFAULT_FPS)


def _webcam_id(inputs: str) -> int:
    camera = inputs[len('webcam:'):]
    if not camera.isdigit():
        raise ValueError(f'HumanInferencer: expected "webcam:<id>", '
                         f'got {inputs!r}')
    return int(camera)


def open_inputs(inputs: Union[str, np.ndarray, List]) -> FrameSource:
    """The frames of an image path or array, a list of them, a folder of images (sorted
    by name), a video file or ``'webcam:<id>'``."""
    if isinstance(inputs, str) and inputs.startswith('webcam:'):
        return _capture_source(
            cv2.VideoCapture(_webcam_id(inputs)), inputs, 'webcam.mp4')
    if isinstance(inputs, str) and inputs.lower().endswith(VIDEO_SUFFIXES):
        if not osp.isfile(inputs):
            raise FileNotFoundError(f'HumanInferencer: no video at {inputs}')
        name = osp.splitext(osp.basename(inputs))[0] + '.mp4'
        return _capture_source(cv2.VideoCapture(inputs), inputs, name)
    if isinstance(inputs, str) and osp.isdir(inputs):
        items = sorted(
            osp.join(inputs, name) for name in os.listdir(inputs)
            if name.lower().endswith(IMAGE_SUFFIXES))
        if not items:
            raise ValueError(f'HumanInferencer: no images '
                             f'({", ".join(IMAGE_SUFFIXES)}) in {inputs}')
    else:
        items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    for item in items:
        if not isinstance(item, (str, np.ndarray)):
            raise TypeError(f'HumanInferencer: inputs are image paths or '
                            f'arrays, got {type(item).__name__}')
    named = ((item if isinstance(item, str) else f'{index:08d}', item)
             for index, item in enumerate(items))
    return FrameSource(named, len(items))


def prediction_dict(result: HumanResult) -> Dict[str, list]:
    """A result's predictions as JSON-ready lists: ``parsing`` (H, W) class ids,
    ``edge`` (H, W) probabilities, ``keypoints`` (N, K, 2) and ``keypoint_scores`` (N,
    K), where the model predicts them."""
    fields = ('parsing', 'edge', 'keypoints', 'keypoint_scores')
    return {
        name: getattr(result, name).tolist()
        for name in fields if getattr(result, name) is not None
    }


class HumanInferencer(BaseInferencer):
    """Parsing, pose and edge predictions of images, folders, videos and webcams.

    Example::

        inferencer = HumanInferencer(
            'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128',
            weights='checkpoints/htcorrm-demo.pth')
        for batch in inferencer('walk.mp4', out_dir='outputs'):
            print(batch['predictions'][0]['keypoints'])

    writes ``outputs/visualizations/walk.mp4`` (the input's size and frame rate)
    and ``outputs/predictions/walk.json`` (one entry per frame).

    Args:
        model: A config file, a ``Config`` or a model name (or alias) of the
            metafiles that ``model-index.yml`` imports.
        weights: A checkpoint path or URL; None takes the metafile's
            ``Weights`` for a model name, else keeps the initial weights.
        device: Where the model runs; None picks the available device.
        show_progress: Show a progress bar over the frames.
    """

    visualize_kwargs: set = {
        'return_vis', 'show', 'wait_time', 'vis_out_dir', 'alpha', 'kpt_thr', 'edge_thr'
    }
    postprocess_kwargs: set = {'pred_out_dir'}

    def __init__(self,
                 model: Union[str, Config],
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 show_progress: bool = True) -> None:
        super().__init__(model, weights, device, show_progress=show_progress)

    def _load_model_from_metafile(self, model: str) -> Tuple[Config, Optional[str]]:
        """The config and weights of a model name (or alias) in mmhtc's metafiles, found
        in the repository or the mim install."""
        root = BaseInferencer._get_repo_or_mim_dir('mmhtc')
        wanted = model.lower()
        for entry in BaseInferencer._get_models_from_metafile(root):
            alias = entry.get('Alias', [])
            names = [entry['Name']
                     ] + ([alias] if isinstance(alias, str) else list(alias))
            if wanted in (name.lower() for name in names):
                weights = entry.get('Weights')
                if isinstance(weights, list):
                    weights = weights[0]
                return Config.fromfile(osp.join(root, entry['Config'])), weights
        raise ValueError(
            f'HumanInferencer: {model!r} is neither a config file nor a model '
            f'name of {osp.join(root, "model-index.yml")}')

    def _init_model(self,
                    cfg: Union[Config, ConfigDict],
                    weights: Optional[str],
                    device: str = 'cpu') -> nn.Module:
        if not cfg:
            raise ValueError('HumanInferencer: a config or model name is '
                             'needed to build the model')
        config = cfg if isinstance(cfg, Config) else Config(cfg.to_dict())
        return init_model(config, weights, device=device)

    def _init_pipeline(self, cfg: Config) -> Callable[[Item], Frame]:
        """Reads an item's image; the model's own test pipeline runs in
        :func:`inference_human`."""
        return load_frame

    def _init_visualizer(self, cfg: Config) -> HumanVisualizer:
        visualizer = HumanVisualizer.get_instance(f'human_inferencer_{id(self)}')
        visualizer.dataset_meta = self.model.dataset_meta
        return visualizer

    def preprocess(self,
                   inputs: Iterable[Item],
                   batch_size: int = 1) -> Iterator[List[Frame]]:
        """Frames ``batch_size`` at a time."""
        yield from self._get_chunk_data(map(self.pipeline, inputs), batch_size)

    def forward(self, inputs: List[Frame]) -> List[HumanResult]:
        return inference_human(self.model, [image for _, image in inputs])

    def visualize(
            self,
            inputs: List[Frame],
            preds: List[HumanResult],
            return_vis: bool = False,
            show: bool = False,
            wait_time: float = 0,
            vis_out_dir: str = '',
            alpha: float = 0.5,
            kpt_thr: float = 0.3,
            edge_thr: float = 0.5,
            writer: Optional['_VideoOutput'] = None) -> Optional[List[np.ndarray]]:
        """Draw the predictions on their frames.

        Args:
            inputs: The (name, BGR image) frames.
            preds: Their results.
            return_vis: Return the drawings.
            show: Show each drawing in a window for ``wait_time`` seconds.
            vis_out_dir: Folder of the drawings of images (PNG named after the
                image); a video's frames go to ``writer`` instead.
            alpha: Opacity of the parsing colours.
            kpt_thr: Keypoint score threshold.
            edge_thr: Edge probability above which a pixel is drawn.
            writer: The video being written, for video and webcam inputs.

        Returns:
            The RGB drawings (H, W, 3) uint8 with ``return_vis``, else None.
        """
        if not (return_vis or show or vis_out_dir):
            return None
        self.visualizer.alpha = alpha
        self.visualizer.kpt_thr = kpt_thr
        self.visualizer.edge_thr = edge_thr
        drawings = []
        for (name, image), result in zip(inputs, preds):
            drawn = self.visualizer.draw_human(image[..., ::-1], result)
            if show:
                # OpenCV's window shows BGR
                self.visualizer.show(
                    drawn[..., ::-1], win_name=name, wait_time=wait_time, backend='cv2')
            if writer is not None:
                writer.write(drawn)
            elif vis_out_dir:
                mmcv.imwrite(drawn[..., ::-1],
                             osp.join(vis_out_dir,
                                      _stem(name) + '.png'))
            drawings.append(drawn)
        return drawings if return_vis else None

    def postprocess(self,
                    preds: List[HumanResult],
                    visualization: Optional[List[np.ndarray]],
                    return_datasamples: bool = False,
                    pred_out_dir: str = '',
                    names: Optional[List[str]] = None) -> Dict[str, Any]:
        """Pack a batch's predictions; write one JSON per image into ``pred_out_dir`` (a
        video's frames are written by :meth:`__call__`).

        Returns:
            ``predictions``: :func:`prediction_dict` per frame, or the
            :class:`HumanResult` with ``return_datasamples``; ``visualization``:
            the drawings or None.
        """
        dicts = [prediction_dict(result) for result in preds]
        if pred_out_dir and names is not None:
            for name, pred in zip(names, dicts):
                mmengine.dump(pred, osp.join(pred_out_dir, _stem(name) + '.json'))
        return dict(
            predictions=preds if return_datasamples else dicts,
            visualization=visualization)

    def __call__(self,
                 inputs: Union[str, np.ndarray, List],
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 out_dir: Optional[str] = None,
                 **kwargs) -> Iterator[Dict[str, Any]]:
        """Predict the frames of ``inputs``, ``batch_size`` at a time.

        Args:
            inputs: An image path or BGR array, a list of them, a folder of
                images, a video file or ``'webcam:<id>'``.
            return_datasamples: Yield :class:`HumanResult` s instead of dicts.
            batch_size: Frames per model call.
            out_dir: Write drawings to ``out_dir/visualizations`` and JSON
                predictions to ``out_dir/predictions`` (unless ``vis_out_dir``
                or ``pred_out_dir`` are given). A video gives one mp4 of the
                input's size and frame rate and one JSON list with an entry
                ``{'frame_id': i, **predictions}`` per frame.
            **kwargs: Arguments of :meth:`visualize` and :meth:`postprocess`.

        Yields:
            The output of :meth:`postprocess` per batch.
        """
        if out_dir is not None:
            kwargs.setdefault('vis_out_dir', osp.join(out_dir, 'visualizations'))
            kwargs.setdefault('pred_out_dir', osp.join(out_dir, 'predictions'))
        _, _, visualize_kwargs, postprocess_kwargs = self._dispatch_kwargs(**kwargs)
        pred_out_dir = postprocess_kwargs.get('pred_out_dir', '')
        vis_out_dir = visualize_kwargs.get('vis_out_dir', '')
        source = open_inputs(inputs)
        video = source.video_name is not None
        writer = _VideoOutput(vis_out_dir, source) if video and vis_out_dir \
            else None
        frames = []
        try:
            batches = self.preprocess(source.items, batch_size)
            if self.show_progress and source.total is not None:
                batches = track(
                    batches,
                    description='Inference',
                    total=-(-source.total // batch_size))
            for batch in batches:
                preds = self.forward(batch)
                visualization = self.visualize(
                    batch, preds, writer=writer, **visualize_kwargs)
                output = self.postprocess(
                    preds,
                    visualization,
                    return_datasamples,
                    pred_out_dir='' if video else pred_out_dir,
                    names=[name for name, _ in batch])
                if video and pred_out_dir:
                    first = len(frames)
                    frames.extend(
                        dict(frame_id=first + i, **prediction_dict(result))
                        for i, result in enumerate(preds))
                yield output
        finally:
            if writer is not None:
                writer.close()
        if video and pred_out_dir:
            mmengine.dump(
                frames,
                osp.join(pred_out_dir,
                         osp.splitext(source.video_name)[0] + '.json'))


class _VideoOutput:
    """An mp4 (``mp4v``) of the drawings, opened at the first frame with its size, at
    the source's frame rate: ``vis_out_dir`` itself where it ends in ``.mp4``, else
    ``vis_out_dir/<video name>``."""

    def __init__(self, vis_out_dir: str, source: FrameSource) -> None:
        self.path = vis_out_dir if vis_out_dir.lower().endswith('.mp4') else \
            osp.join(vis_out_dir, source.video_name)
        self.fps = source.fps
        self.writer: Optional[cv2.VideoWriter] = None

    def write(self, rgb: np.ndarray) -> None:
        if self.writer is None:
            mmengine.mkdir_or_exist(osp.dirname(osp.abspath(self.path)))
            height, width = rgb.shape[:2]
            self.writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*'mp4v'),
                                          self.fps, (width, height))
            if not self.writer.isOpened():
                raise OSError(f'HumanInferencer: cannot write {self.path}')
        self.writer.write(np.ascontiguousarray(rgb[..., ::-1]))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()


def _stem(name: str) -> str:
    return osp.splitext(osp.basename(name))[0]

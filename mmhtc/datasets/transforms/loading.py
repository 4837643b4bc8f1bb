"""Loading of the parsing and edge maps of a human sample."""
import mmcv
import numpy as np
from mmengine.fileio import get
from mmseg.datasets.transforms import LoadAnnotations

from ...registry import TRANSFORMS, register_into


@register_into(*TRANSFORMS)
class LoadHumanAnnotations(LoadAnnotations):
    """Load the parsing map and, where the dataset has one, the edge map.

    Keypoints and boxes are read by the dataset and need no loading. Run after the
    image loader (mmcv's ``LoadImageFromFile`` or mmpose's ``LoadImage``): every map
    is checked against the image's size and the parsing ids against the dataset's
    classes, so a bad label file stops with its name instead of training on wrong
    targets.

    Required keys: ``ori_shape`` (set by the image loader); optional ``seg_map_path``,
    ``edge_map_path``, ``classes``.

    Added keys: ``gt_seg_map`` (H, W) uint8 class ids, 255 = ignore;
    ``gt_edge_map`` (H, W) uint8 in {0, 1}; both appended to ``seg_fields``.

    Args:
        ignore_index: The parsing value that marks unlabelled pixels.
        imdecode_backend: Decoder of the PNG files (mmcv backend name).
        backend_args: File backend arguments (mmengine ``fileio``).
    """

    def __init__(self,
                 ignore_index: int = 255,
                 imdecode_backend: str = 'pillow',
                 backend_args=None) -> None:
        super().__init__(imdecode_backend=imdecode_backend, backend_args=backend_args)
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        """Load the maps present in ``results`` and check them."""
        results.setdefault('seg_fields', [])
        results.setdefault('reduce_zero_label', False)
        if results.get('seg_map_path'):
            self._load_seg_map(results)
        if results.get('edge_map_path'):
            edge = mmcv.imfrombytes(
                get(results['edge_map_path'], backend_args=self.backend_args),
                flag='unchanged',
                backend=self.imdecode_backend)
            results['gt_edge_map'] = (edge > 0).astype(np.uint8)
            results['seg_fields'].append('gt_edge_map')
        self._check_sizes(results)
        if 'gt_seg_map' in results:
            self._check_classes(results)
        return results

    def _check_sizes(self, results: dict) -> None:
        shape = tuple(results['ori_shape'][:2])
        for key, path_key in (('gt_seg_map', 'seg_map_path'), ('gt_edge_map',
                                                               'edge_map_path')):
            if key not in results:
                continue
            if results[key].ndim != 2:
                raise ValueError(f'{results[path_key]}: expected a single-'
                                 f'channel map, got shape {results[key].shape}')
            if results[key].shape != shape:
                raise ValueError(
                    f'{results[path_key]}: map of size {results[key].shape} '
                    f'(h, w) does not match its image {results["img_path"]} of '
                    f'size {shape}')

    def _check_classes(self, results: dict) -> None:
        if 'classes' not in results:
            return
        seg = results['gt_seg_map']
        bad = (seg >= len(results['classes'])) & (seg != self.ignore_index)
        if bad.any():
            raise ValueError(
                f'{results["seg_map_path"]}: label values '
                f'{sorted(np.unique(seg[bad]).tolist())} are neither class ids '
                f'(0..{len(results["classes"]) - 1}) nor the ignore index '
                f'{self.ignore_index}')

"""Edge labels from the parsing map."""
from mmseg.datasets.transforms import GenerateEdge

from ...registry import TRANSFORMS, register_into


@register_into(*TRANSFORMS)
class GenerateHumanEdge(GenerateEdge):
    """Mmseg's ``GenerateEdge`` on the parsing map's own grid.

    A pixel is an edge where its class differs from a neighbour's (pixels next to
    ``ignore_index`` excepted), dilated to ``edge_width``. mmseg's transform sizes the
    edge map by ``img_shape``; this one by the parsing map, so it also runs in test
    pipelines after a ``Resize``, where the labels stay at the original resolution
    for evaluation. Before any resize both are the same.

    Required keys: ``gt_seg_map``. Added keys: ``gt_edge_map`` (H, W) uint8,
    ``edge_width``; ``gt_edge_map`` joins ``seg_fields``.

    Args:
        edge_width: The width of edges. Default: 3.
        ignore_index: The ignored parsing label. Default: 255.
    """

    def transform(self, results: dict) -> dict:
        """Add ``gt_edge_map`` for ``gt_seg_map``."""
        img_shape = results['img_shape']
        results['img_shape'] = results['gt_seg_map'].shape[:2]
        results = super().transform(results)
        results['img_shape'] = img_shape
        if 'gt_edge_map' not in results.setdefault('seg_fields', []):
            results['seg_fields'].append('gt_edge_map')
        return results

"""HumanSegTTAModel swaps left/right channels of flipped views before averaging."""
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmhtc.models.segmentors import HumanSegTTAModel


class OneLayer(torch.nn.Module):
    """Stands for a segmentor: the TTA model reads only these two attributes."""
    out_channels = 4

    def test_step(self, data):
        return data


def view(logits: torch.Tensor, flip: bool, pairs=()) -> SegDataSample:
    sample = SegDataSample(
        metainfo=dict(flip=flip, img_path='x.jpg', class_flip_pairs=pairs))
    sample.seg_logits = PixelData(data=logits.clone())
    return sample


def test_flipped_view_channels_are_swapped():
    torch.manual_seed(0)
    plain, flipped = torch.randn(4, 3, 5), torch.randn(4, 3, 5)
    tta = HumanSegTTAModel(module=OneLayer())
    pairs = ((1, 2), )
    merged = tta.merge_preds([[view(plain, False, pairs),
                               view(flipped, True, pairs)]])[0]
    swapped = flipped[[0, 2, 1, 3]]
    expected = (plain.softmax(0) + swapped.softmax(0)) / 2
    torch.testing.assert_close(merged.pred_sem_seg.data[0], expected.argmax(0))


def test_no_pairs_is_mmseg_averaging():
    torch.manual_seed(1)
    a, b = torch.randn(4, 2, 2), torch.randn(4, 2, 2)
    tta = HumanSegTTAModel(module=OneLayer())
    merged = tta.merge_preds([[view(a, False), view(b, True)]])[0]
    expected = ((a.softmax(0) + b.softmax(0)) / 2).argmax(0)
    torch.testing.assert_close(merged.pred_sem_seg.data[0], expected)

from .human_encoder_decoder import HumanEncoderDecoder
from .human_seg_tta import HumanSegTTAModel
from .nppnet import NPPNet

__all__ = ['HumanEncoderDecoder', 'HumanSegTTAModel', 'NPPNet']

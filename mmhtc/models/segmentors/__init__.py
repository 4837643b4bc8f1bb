from .human_encoder_decoder import HumanEncoderDecoder
from .human_seg_tta import HumanSegTTAModel

__all__ = ['HumanEncoderDecoder', 'HumanSegTTAModel']

from .human_encoder_decoder import HumanEncoderDecoder
from .human_seg_tta import HumanSegTTAModel
from .nppnet import NPPNet
from .nppnet_search_ddp import NPPNetSearchDDP
from .top_down_human import TopDownHuman

__all__ = [
    'HumanEncoderDecoder', 'HumanSegTTAModel', 'NPPNet', 'NPPNetSearchDDP',
    'TopDownHuman'
]

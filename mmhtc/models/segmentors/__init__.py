from .human_encoder_decoder import HumanEncoderDecoder

__all__ = ['HumanEncoderDecoder']

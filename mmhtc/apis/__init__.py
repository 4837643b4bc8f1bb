from ..structures import HumanResult, human_result
from .checkpoint import (load_local_training_checkpoint, save_converted_checkpoint,
                         trust_local_checkpoints)
from .distributed import setup_cpu_distributed
from .inference import inference_folder, inference_human, init_model
from .inferencer import HumanInferencer

__all__ = [
    'load_local_training_checkpoint', 'save_converted_checkpoint',
    'trust_local_checkpoints', 'HumanResult', 'HumanInferencer', 'human_result',
    'inference_folder', 'inference_human', 'init_model', 'setup_cpu_distributed'
]

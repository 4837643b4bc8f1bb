from .checkpoint import load_local_training_checkpoint, trust_local_checkpoints
from .distributed import setup_cpu_distributed
from .inference import (HumanResult, OutputAdapter, human_result,
                        inference_folder, inference_human, init_model,
                        register_output_adapter)

__all__ = [
    'load_local_training_checkpoint', 'trust_local_checkpoints', 'HumanResult',
    'OutputAdapter', 'human_result', 'inference_folder', 'inference_human',
    'init_model', 'register_output_adapter', 'setup_cpu_distributed'
]

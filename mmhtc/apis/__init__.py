from .checkpoint import load_local_training_checkpoint, trust_local_checkpoints

__all__ = ['load_local_training_checkpoint', 'trust_local_checkpoints']

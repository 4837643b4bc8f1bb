"""Own training checkpoints load by the explicit path; the safe default stays."""
import pickle

import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import CheckpointLoader

import mmhtc  # noqa: F401
from mmhtc.apis import load_local_training_checkpoint, trust_local_checkpoints


@pytest.fixture
def training_checkpoint(tmp_path):
    path = tmp_path / 'iter_2.pth'
    torch.save(
        dict(
            state_dict=dict(w=torch.ones(2)),
            message_hub=dict(log_scalars=dict(loss=HistoryBuffer([1.0], [1])))), path)
    return str(path)


def test_importing_mmhtc_keeps_weights_only(training_checkpoint):
    with pytest.raises(pickle.UnpicklingError):
        torch.load(training_checkpoint)


def test_explicit_loader(training_checkpoint):
    checkpoint = load_local_training_checkpoint(training_checkpoint)
    assert checkpoint['state_dict']['w'].tolist() == [1.0, 1.0]
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_local_training_checkpoint('missing.pth')


def test_tools_opt_in_routes_local_paths(training_checkpoint):
    original = CheckpointLoader._schemes['']
    try:
        trust_local_checkpoints()
        checkpoint = CheckpointLoader.load_checkpoint(training_checkpoint)
        assert 'message_hub' in checkpoint
    finally:
        CheckpointLoader._schemes[''] = original

"""Loading the checkpoints of one's own training runs under torch >= 2.6."""
import os
import os.path as osp

import torch
from mmengine.runner import CheckpointLoader


def load_local_training_checkpoint(filename: str, map_location=None) -> dict:
    """Load a local mmengine checkpoint with ``weights_only=False``.

    Training checkpoints written by mmengine hold the message hub (its
    ``HistoryBuffer`` objects and numpy values), which torch's default
    ``weights_only=True`` loader refuses. Unpickling them runs code from the file,
    so this loader is for checkpoints of one's own runs only.

    Args:
        filename: A local ``.pth`` path.
        map_location: As :func:`torch.load`.

    Returns:
        The checkpoint dict.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def trust_local_checkpoints() -> None:
    """Make mmengine load local checkpoint paths with ``weights_only=False``.

    An explicit opt-in that ``tools/train.py`` (for ``--resume`` and ``load_from``)
    and ``tools/test.py`` make for the checkpoint paths their user gives; importing
    mmhtc changes nothing. Remote URLs keep mmengine's loaders, and checkpoints
    published with ``tools/misc/publish_model.py`` (weights and plain metadata) load
    with ``weights_only=True`` anywhere.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_training_checkpoint, force=True)


def save_converted_checkpoint(state_dict: dict, dst: str, source: str,
                              config: str) -> None:
    """Write converted release weights as an mmengine checkpoint.

    Args:
        state_dict: The weights under the model's names, every key of ``config``'s
            model.
        dst: The output file (its folder is created).
        source: What the weights were converted from, kept in ``meta['source']``.
        config: The config whose model holds them, kept by name in ``meta``.
    """
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(
        dict(
            meta=dict(source=source, config=osp.basename(config)),
            state_dict=state_dict), dst)
    print(f'wrote {dst}: {len(state_dict)} tensors, every key of '
          f'{osp.basename(config)} set')

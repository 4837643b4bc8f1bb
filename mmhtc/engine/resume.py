"""Pick the checkpoint that ``--resume`` continues from, skipping broken ones."""
import logging
import os
import os.path as osp
import re
from typing import List, Optional

import torch
from mmengine.logging import print_log

_CHECKPOINT = re.compile(r'(iter|epoch)_(\d+)\.pth$')


def intact_checkpoint_error(path: str) -> Optional[str]:
    """Why the checkpoint ``path`` cannot be resumed from; ``None`` when it can.

    The file is read completely (``torch.load`` on the CPU, trusting the local
    file), so a truncated or corrupt archive is found here and not in the middle
    of the Runner's resume. An intact training checkpoint is a dict with
    ``state_dict`` and ``meta``.
    """
    if not osp.isfile(path):
        return 'the file does not exist'
    try:
        checkpoint = torch.load(path, map_location='cpu', weights_only=False)
    except Exception as error:  # any unpickling or archive error
        return f'{type(error).__name__}: {error}'
    if not isinstance(checkpoint, dict) or not {'state_dict', 'meta'
                                                } <= checkpoint.keys():
        return 'not a training checkpoint (no state_dict and meta)'
    return None


def resume_candidates(work_dir: str) -> List[str]:
    """Checkpoints of ``work_dir`` to resume from, best first.

    The file ``last_checkpoint`` points to (when it names one), then every
    ``iter_<k>.pth`` and ``epoch_<k>.pth`` of the folder by decreasing k.
    """
    candidates = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            target = f.read().strip()
        if target:
            candidates.append(target)
    numbered = [(int(m.group(2)), name) for name in os.listdir(work_dir)
                if (m := _CHECKPOINT.fullmatch(name))]
    for _, name in sorted(numbered, reverse=True):
        path = osp.join(work_dir, name)
        if path not in candidates:
            candidates.append(path)
    return candidates


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """The newest intact checkpoint of ``work_dir``; ``None`` when it has none.

    Every broken checkpoint met on the way (see :func:`resume_candidates` for the
    order) is named in a warning with the reason.

    Raises:
        RuntimeError: ``work_dir`` has checkpoints but none of them is intact;
            the message names each with its reason.
    """
    if not osp.isdir(work_dir):
        return None
    broken = []
    for path in resume_candidates(work_dir):
        reason = intact_checkpoint_error(path)
        if reason is None:
            if broken:
                print_log(
                    f'--resume: skipped {"; ".join(broken)}; resuming from '
                    f'the newest intact checkpoint {path}',
                    logger='current',
                    level=logging.WARNING)
            return path
        broken.append(f'{path} ({reason})')
    if broken:
        raise RuntimeError(f'--resume: no intact checkpoint in {work_dir}: ' +
                           '; '.join(broken))
    return None

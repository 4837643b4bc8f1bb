"""Turn a training checkpoint into a release file: weights and plain metadata.

Example::

    python tools/misc/publish_model.py \
        work_dirs/htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128/iter_600.pth \
        checkpoints/htcorrm_hrnetv2-w18s_synthetic-lip.pth

writes ``checkpoints/htcorrm_hrnetv2-w18s_synthetic-lip-<sha256[:8]>.pth`` with only
``meta`` (numbers, strings and containers of them: numpy values become lists) and
``state_dict``, which ``torch.load(..., weights_only=True)`` reads.
"""
import argparse
import hashlib
import os
import os.path as osp
from collections import OrderedDict

import numpy as np
import torch

from mmhtc.apis import load_local_training_checkpoint

#: Containers and scalars torch's ``weights_only`` unpickler accepts in ``meta``.
PLAIN_TYPES = (str, int, float, bool, type(None))


def plain(value, key: str = 'meta'):
    """``value`` with numpy arrays and scalars turned into lists and numbers.

    Raises:
        TypeError: naming the key of a value of any other type.
    """
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: plain(v, f'{key}.{k}') for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v, f'{key}[{i}]') for i, v in enumerate(value))
    if isinstance(value, PLAIN_TYPES):
        return value
    raise TypeError(f'publish_model: {key} is a {type(value).__name__}, which '
                    'a weights-only checkpoint cannot hold')


def publish(in_file: str, out_file: str) -> str:
    """Write the release file of ``in_file``; returns its path.

    Args:
        in_file: A training checkpoint (mmengine's, or a dict with
            ``state_dict``).
        out_file: The path whose stem gets '-' + the first 8 hex digits of the
            written file's sha256.
    """
    checkpoint = load_local_training_checkpoint(in_file, map_location='cpu')
    if 'state_dict' not in checkpoint:
        raise KeyError(f'publish_model: {in_file} has no "state_dict"')
    state_dict = OrderedDict(
        (k, v.detach().cpu()) for k, v in checkpoint['state_dict'].items())
    released = dict(meta=plain(checkpoint.get('meta', {})), state_dict=state_dict)
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    stem, suffix = osp.splitext(out_file)
    tmp_file = f'{stem}.tmp{suffix or ".pth"}'
    torch.save(released, tmp_file)
    with open(tmp_file, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    final_file = f'{stem}-{digest[:8]}{suffix or ".pth"}'
    os.replace(tmp_file, final_file)
    return final_file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('in_file', help='training checkpoint')
    parser.add_argument('out_file', help='release file name (before the hash)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(publish(args.in_file, args.out_file))


if __name__ == '__main__':
    main()

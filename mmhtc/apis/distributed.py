"""Distributed runs on machines without GPUs."""
import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """Prepare a launched run (``--launcher pytorch``) on a machine without GPUs.

    mmengine's own initialisation selects a CUDA device, so on CPU the process
    group is opened here, before the Runner (which then keeps it), with the
    config's ``env_cfg.dist_cfg.backend`` (gloo); the model wrapper gets
    ``device_ids=None`` (``MMDistributedDataParallel`` unless the config names
    another, with its ``find_unused_parameters``). Does nothing for
    non-distributed runs or where CUDA is available.

    Args:
        cfg: The run's config, with ``launcher`` set; changed in place.

    Raises:
        ValueError: for a launcher other than 'pytorch' or a backend other than
            gloo on CPU.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher != 'pytorch':
        raise ValueError(f'CPU distributed training supports --launcher '
                         f'pytorch (torchrun), got {launcher!r}')
    backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'gloo')
    if backend != 'gloo':
        raise ValueError(f"env_cfg.dist_cfg.backend={backend!r} needs GPUs; "
                         "set it to 'gloo' to train on CPUs")
    if not dist.is_initialized():
        dist.init_process_group(backend)
    wrapper = dict(
        cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False)))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper

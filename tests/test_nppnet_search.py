"""NPPNet search through the Runner: alternating steps and the round trip
search -> derive -> build -> retrain."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from conftest import REPO_ROOT
from mmhtc.models.nas import architecture_parameters, load_genotype

DEMO = osp.join(REPO_ROOT, 'configs', 'demo')
STAGE1 = 'nppnet_search-encdec_c8-l4_1xb4-40it_synthetic-lip-64x64.py'
STAGE2 = 'nppnet_search-interaction-fusion_c8-l4_1xb4-40it_synthetic-lip-64x64.py'
RETRAIN = 'nppnet-searched_c8-l4_1xb8-200it_synthetic-lip-64x64.py'


def demo_config(name: str, root: str, work_dir: str, iters: int = 2,
                validate: bool = False, **network) -> Config:
    """A demo config on the fixture's data, ``iters`` iterations of batch 2."""
    cfg = Config.fromfile(osp.join(DEMO, name))
    cfg.work_dir = work_dir
    cfg.model.network.update(network)
    train = cfg.train_dataloader
    train.batch_size = 2
    dataset = train.dataset.get('dataset', train.dataset)
    dataset.data_root = root
    cfg.val_dataloader.dataset.update(data_root=root, indices=4)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.update(max_iters=iters, val_interval=iters)
    cfg.default_hooks.checkpoint.interval = iters
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.pop('visualization', None)
    if not validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    return cfg


def _snapshot(params):
    return [p.detach().clone() for p in params]


def _changed(before, params) -> bool:
    return any(not torch.equal(b, p) for b, p in zip(before, params))


@pytest.mark.parametrize('warmup, expected', [
    (0, [('architecture', True, False), ('weights', False, True)]),
    (1, [('weights', False, True)]),
])
def test_steps_update_only_their_parameters(synthetic_lip, tmp_path, warmup,
                                            expected):
    cfg = demo_config(STAGE1, synthetic_lip, str(tmp_path))
    cfg.model.train_cfg.warmup = warmup
    runner = Runner.from_cfg(cfg)
    model = runner.model
    wrappers = runner.build_optim_wrapper(cfg.optim_wrapper)
    arch = list(architecture_parameters(model))
    arch_ids = {id(p) for p in arch}
    weights = [p for p in model.parameters() if id(p) not in arch_ids]
    assert arch and weights
    events = []
    for name in ('architecture', 'weights'):
        wrapper = wrappers[name]

        def update(loss, _original=wrapper.update_params, _name=name, **kw):
            before_a, before_w = _snapshot(arch), _snapshot(weights)
            _original(loss, **kw)
            events.append((_name, _changed(before_a, arch),
                           _changed(before_w, weights)))

        wrapper.update_params = update
    MessageHub.get_current_instance().update_info('iter', 0)
    batch = next(iter(runner.build_dataloader(cfg.train_dataloader)))
    log_vars = model.train_step(batch, wrappers)
    assert events == expected
    assert ('arch_loss' in log_vars) == (warmup == 0)


def test_search_derive_retrain_round_trip(synthetic_lip, tmp_path):
    stage1 = str(tmp_path / 'stage1')
    Runner.from_cfg(demo_config(STAGE1, synthetic_lip, stage1)).train()
    genotype1 = load_genotype(osp.join(stage1, 'genotype.yaml'))
    assert set(genotype1) == {'encoder', 'decoder'}

    stage2 = str(tmp_path / 'stage2')
    Runner.from_cfg(
        demo_config(STAGE2, synthetic_lip, stage2,
                    genotype=osp.join(stage1, 'genotype.yaml'))).train()
    genotype2 = load_genotype(osp.join(stage2, 'genotype.yaml'))
    assert set(genotype2) == {'encoder', 'decoder', 'interaction', 'fusion'}
    assert genotype2['encoder'] == genotype1['encoder']

    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))
    from derive_genotype import derive
    out = str(tmp_path / 'derived.yaml')
    derive(osp.join(DEMO, STAGE2), osp.join(stage2, 'iter_2.pth'), out,
           cfg_options={'model.network.genotype':
                        osp.join(stage1, 'genotype.yaml')})
    assert load_genotype(out) == genotype2
    # a config that does not match the search (other channels) is refused
    with pytest.raises(ValueError, match='does not match the model of'):
        derive(osp.join(DEMO, STAGE2), osp.join(stage2, 'iter_2.pth'), out,
               cfg_options={'model.network.genotype':
                            osp.join(stage1, 'genotype.yaml'),
                            'model.network.channels': 16})

    retrain = str(tmp_path / 'retrain')
    cfg = demo_config(RETRAIN, synthetic_lip, retrain, validate=True,
                      genotype=osp.join(stage2, 'genotype.yaml'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert not list(architecture_parameters(runner.model))
    metrics = runner.val_loop.run()
    assert 0 <= metrics['mIoU'] <= 100
    assert 0 <= metrics['lip/PCKh'] <= 100


def test_search_resume_is_exact(synthetic_lip, tmp_path):
    """A search interrupted at iteration 2 and resumed (architecture parameters,
    both optimizers, schedule position) logs the uninterrupted run's losses."""
    from mmhtc.apis import trust_local_checkpoints
    from mmhtc.apis.checkpoint import load_local_training_checkpoint
    from test_resume import LossRecorder
    trust_local_checkpoints()

    def run(work_dir, **kwargs):
        cfg = demo_config(STAGE1, synthetic_lip, str(tmp_path / work_dir),
                          iters=4)
        cfg.model.train_cfg.update(warmup=1, entropy_from=3)
        cfg.default_hooks.checkpoint.interval = 2
        cfg.randomness = dict(seed=0, deterministic=True)
        cfg.experiment_name = work_dir
        cfg.update(kwargs)
        runner = Runner.from_cfg(cfg)
        recorder = LossRecorder()
        runner.register_hook(recorder)
        runner.train()
        return recorder.losses

    whole = run('whole')
    path = str(tmp_path / 'whole' / 'iter_2.pth')
    state = load_local_training_checkpoint(path)
    assert set(state['optimizer']) == {'architecture', 'weights'}
    resumed = run('resumed', resume=True, load_from=path)
    assert sorted(resumed) == [3, 4]
    for it in (3, 4):
        assert resumed[it] == whole[it], it
    assert 'arch_loss_entropy' in whole[4] and 'arch_loss' in whole[2]


def test_search_step_through_ddp_matches_the_model_alone(
        synthetic_lip, tmp_path):
    """NPPNetSearchDDP (the search configs' model wrapper) runs both steps with
    forwards through DDP; on one process it updates like the bare model, for
    two iterations (DDP would stop at the second on unused parameters)."""
    import copy
    import socket

    import torch.distributed as dist
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODEL_WRAPPERS
    cfg = demo_config(STAGE1, synthetic_lip, str(tmp_path))
    cfg.model.train_cfg.warmup = 0
    runner = Runner.from_cfg(cfg)
    assert cfg.model_wrapper_cfg == dict(type='NPPNetSearchDDP')
    bare = runner.model
    module = copy.deepcopy(bare)
    batches = list(zip(range(2), runner.build_dataloader(cfg.train_dataloader)))
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=0, world_size=1)
    try:
        wrapped = MODEL_WRAPPERS.build(
            dict(cfg.model_wrapper_cfg, module=module, device_ids=None,
                 broadcast_buffers=False))
        forwards = []
        ddp_forward = wrapped.forward
        wrapped.forward = lambda *a, **k: forwards.append(1) or ddp_forward(
            *a, **k)
        runs = {}
        for name, model in (('bare', bare), ('ddp', wrapped)):
            wrappers = build_optim_wrapper(
                model.module if name == 'ddp' else model, cfg.optim_wrapper)
            MessageHub.get_current_instance().update_info('iter', 0)
            runs[name] = []
            for _, batch in batches:
                torch.manual_seed(0)
                runs[name].append(model.train_step(batch, wrappers))
    finally:
        dist.destroy_process_group()
    assert len(forwards) == 4  # an architecture and a weight step, twice
    for bare_vars, ddp_vars in zip(runs['bare'], runs['ddp']):
        assert 'arch_loss' in ddp_vars
        for key, value in bare_vars.items():
            torch.testing.assert_close(ddp_vars[key], value)
    for (name, p), q in zip(bare.named_parameters(), module.parameters()):
        torch.testing.assert_close(q, p, msg=name)

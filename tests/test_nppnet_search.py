"""NPPNet search through the Runner: alternating steps and the round trip
search -> derive -> build -> retrain."""
import os.path as osp
import sys

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from mmhtc.models.nas import architecture_parameters, load_genotype

DEMO = osp.join(REPO_ROOT, 'configs', 'demo')
STAGE1 = 'nppnet_search-encdec_c8-l4_1xb4-40it_synthetic-lip-64x64.py'
STAGE2 = 'nppnet_search-interaction-fusion_c8-l4_1xb4-40it_synthetic-lip-64x64.py'
RETRAIN = 'nppnet-searched_c8-l4_1xb8-200it_synthetic-lip-64x64.py'
#: Three of the seven candidate operations (one of each kind: convolution,
#: re-weighting, identity) for the tests whose point is not the search space.
FEW_OPS = dict(encoder=('std3', 'se', 'skip'), decoder=('std3', 'se', 'skip'))


def resize_inputs(cfg, size: int) -> None:
    """Every input size of the pipelines, codecs and preprocessor becomes ``size``
    (heatmaps ``size / 4``)."""
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key == 'input_size' or (key in ('scale', 'size') and cfg.get('type')
                                       in ('Resize', 'SegDataPreProcessor')):
                cfg[key] = (size, size)
            elif key == 'heatmap_size':
                cfg[key] = (size // 4, size // 4)
            else:
                resize_inputs(value, size)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            resize_inputs(value, size)


def demo_config(name: str,
                root: str,
                work_dir: str,
                iters: int = 2,
                validate: bool = False,
                **network) -> Config:
    """A demo config (C=8, L=4, one fusion layer) at 32 x 32 on the fixture's data,
    ``iters`` iterations of batch 2."""
    cfg = Config.fromfile(osp.join(DEMO, name))
    cfg.work_dir = work_dir
    cfg.model.network.update(network)
    for key in ('model', 'train_dataloader', 'val_dataloader'):
        resize_inputs(cfg[key], 32)
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
    (0, [('mutator', True, False), ('architecture', False, True)]),
    (1, [('architecture', False, True)]),
])
def test_steps_update_only_their_parameters(synthetic_lip, tmp_path, warmup, expected):
    cfg = demo_config(STAGE1, synthetic_lip, str(tmp_path), op_names=FEW_OPS)
    cfg.model.train_cfg.warmup = warmup
    runner = Runner.from_cfg(cfg)
    model = runner.model
    wrappers = runner.build_optim_wrapper(cfg.optim_wrapper)
    arch = list(architecture_parameters(model))
    arch_ids = {id(p) for p in arch}
    weights = [p for p in model.parameters() if id(p) not in arch_ids]
    assert arch and weights
    events = []
    for name in ('mutator', 'architecture'):
        wrapper = wrappers[name]

        def update(loss, _original=wrapper.update_params, _name=name, **kw):
            before_a, before_w = _snapshot(arch), _snapshot(weights)
            _original(loss, **kw)
            events.append((_name, _changed(before_a, arch), _changed(before_w,
                                                                     weights)))

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
    with pytest.raises(FileNotFoundError) as error:
        Runner.from_cfg(demo_config(STAGE2, synthetic_lip, stage2))
    assert 'model.network.genotype is not set' in str(error.value)
    assert 'run configs/demo/' + STAGE1 in str(error.value)
    Runner.from_cfg(
        demo_config(
            STAGE2, synthetic_lip, stage2, genotype=osp.join(stage1,
                                                             'genotype.yaml'))).train()
    genotype2 = load_genotype(osp.join(stage2, 'genotype.yaml'))
    assert set(genotype2) == {'encoder', 'decoder', 'interaction', 'fusion'}
    assert genotype2['encoder'] == genotype1['encoder']

    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))
    from derive_genotype import derive
    out = str(tmp_path / 'derived.yaml')
    derive(
        osp.join(DEMO, STAGE2),
        osp.join(stage2, 'iter_2.pth'),
        out,
        cfg_options={'model.network.genotype': osp.join(stage1, 'genotype.yaml')})
    assert load_genotype(out) == genotype2
    # a config that does not match the search (other channels) is refused
    with pytest.raises(ValueError, match='does not match the model of'):
        derive(
            osp.join(DEMO, STAGE2),
            osp.join(stage2, 'iter_2.pth'),
            out,
            cfg_options={
                'model.network.genotype': osp.join(stage1, 'genotype.yaml'),
                'model.network.channels': 16
            })

    retrain = str(tmp_path / 'retrain')
    cfg = demo_config(
        RETRAIN,
        synthetic_lip,
        retrain,
        validate=True,
        genotype=osp.join(stage2, 'genotype.yaml'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert not list(architecture_parameters(runner.model))
    metrics = runner.val_loop.run()
    assert 0 <= metrics['mIoU'] <= 100
    assert 0 <= metrics['lip/PCKh'] <= 100


def test_search_resume_is_exact(synthetic_lip, tmp_path):
    """A search interrupted after iteration 1 and resumed (architecture parameters, both
    optimizers' states, schedule position: the entropy starts at iteration 2) logs the
    uninterrupted run's losses."""
    from test_resume import LossRecorder

    from mmhtc.apis import trust_local_checkpoints
    from mmhtc.apis.checkpoint import load_local_training_checkpoint
    trust_local_checkpoints()

    def run(work_dir, **kwargs):
        cfg = demo_config(
            STAGE1, synthetic_lip, str(tmp_path / work_dir), iters=2, op_names=FEW_OPS)
        cfg.model.train_cfg.update(warmup=0, entropy_from=1)
        cfg.default_hooks.checkpoint.interval = 1
        cfg.randomness = dict(seed=0, deterministic=True)
        cfg.experiment_name = work_dir
        cfg.update(kwargs)
        runner = Runner.from_cfg(cfg)
        recorder = LossRecorder()
        runner.register_hook(recorder)
        runner.train()
        return recorder.losses

    whole = run('whole')
    path = str(tmp_path / 'whole' / 'iter_1.pth')
    state = load_local_training_checkpoint(path)
    assert set(state['optimizer']) == {'architecture', 'mutator'}
    assert all(state['optimizer'][name]['state']
               for name in ('architecture', 'mutator'))
    resumed = run('resumed', resume=True, load_from=path)
    assert sorted(resumed) == [2]
    assert resumed[2] == whole[2]
    assert 'arch_loss' in whole[1] and 'arch_loss_entropy' not in whole[1]
    assert 'arch_loss_entropy' in whole[2]


def test_search_step_through_ddp_matches_the_model_alone(synthetic_lip, tmp_path):
    """NPPNetSearchDDP (the search configs' model wrapper) runs both steps with forwards
    through DDP; on one process it updates like the bare model, for two iterations (DDP
    would stop at the second on unused parameters)."""
    import copy
    import socket

    import torch.distributed as dist
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODEL_WRAPPERS
    cfg = demo_config(STAGE1, synthetic_lip, str(tmp_path), op_names=FEW_OPS)
    cfg.model.train_cfg.warmup = 0
    runner = Runner.from_cfg(cfg)
    assert cfg.model_wrapper_cfg == dict(type='NPPNetSearchDDP')
    bare = runner.model
    module = copy.deepcopy(bare)
    batches = list(zip(range(2), runner.build_dataloader(cfg.train_dataloader)))
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=0, world_size=1)
    try:
        wrapped = MODEL_WRAPPERS.build(
            dict(
                cfg.model_wrapper_cfg,
                module=module,
                device_ids=None,
                broadcast_buffers=False))
        forwards = []
        ddp_forward = wrapped.forward
        wrapped.forward = lambda *a, **k: forwards.append(1) or ddp_forward(*a, **k)
        runs = {}
        for name, model in (('bare', bare), ('ddp', wrapped)):
            wrappers = build_optim_wrapper(model.module if name == 'ddp' else model,
                                           cfg.optim_wrapper)
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


def test_derive_hook_keeps_the_best_validations_genotype(tmp_path):
    """genotype.yaml and genotype_best.yaml hold the genotype of the best validation
    (mIoU), genotype_last.yaml the latest; a later worse score does not replace the
    best, and the end of training only rewrites the last."""
    import logging
    from types import SimpleNamespace

    from mmhtc.engine.hooks.derive_genotype_hook import DeriveGenotypeHook
    from mmhtc.models.nas import NPPNetwork
    paper = load_genotype(
        osp.join(REPO_ROOT, 'configs', 'nppnet', 'genotypes', 'nppnet_lip_paper.yaml'))
    torch.manual_seed(0)
    network = NPPNetwork(
        8, 4, 20, 16, genotype=dict(encoder=paper['encoder']), search=('decoder', ))
    hub = MessageHub.get_instance('derive_hook_test')
    runner = SimpleNamespace(
        model=SimpleNamespace(network=network),
        work_dir=str(tmp_path),
        epoch=1,
        iter=0,
        message_hub=hub,
        logger=logging.getLogger('derive_hook_test'))
    hook = DeriveGenotypeHook()
    derived = []
    for epoch, miou in ((1, 40.0), (2, 30.0)):
        with torch.no_grad():
            for arch in network.architecture().values():
                arch.alpha.normal_()
        runner.epoch = epoch
        hook.after_val_epoch(runner, dict(mIoU=miou))
        derived.append(network.derive())
    assert derived[0] != derived[1]
    with torch.no_grad():
        for arch in network.architecture().values():
            arch.alpha.normal_()
    hook.after_train(runner)

    def read(name):
        return load_genotype(str(tmp_path / name))

    assert read('genotype.yaml') == read('genotype_best.yaml') == derived[0]
    assert read('genotype_1.yaml') == derived[0]
    assert read('genotype_2.yaml') == derived[1]
    assert read('genotype_last.yaml') == network.derive()
    assert hub.get_info('genotype_best_score') == 40.0

"""HRNetTaps returns the stock HRNet's stage 1 / 3 / 4 outputs and loads its weights."""
import copy

import pytest
import torch
from mmengine.registry import init_default_scope
from mmpose.models.backbones import HRNet as PoseHRNet
from mmpose.registry import MODELS as POSE_MODELS
from mmseg.models.backbones import HRNet as SegHRNet
from mmseg.registry import MODELS as SEG_MODELS

from mmhtc.models.backbones import PoseHRNetTaps, SegHRNetTaps

BRANCHES = (8, 16, 24, 32)
#: A W18-small-like HRNet at tiny widths: one block per branch, two modules in the
#: last stage so that only the last one's fusion depends on multiscale_output.
EXTRA = dict(
    stage1=dict(
        num_modules=1,
        num_branches=1,
        block='BOTTLENECK',
        num_blocks=(1, ),
        num_channels=(16, )),
    stage2=dict(
        num_modules=1,
        num_branches=2,
        block='BASIC',
        num_blocks=(1, 1),
        num_channels=BRANCHES[:2]),
    stage3=dict(
        num_modules=1,
        num_branches=3,
        block='BASIC',
        num_blocks=(1, 1, 1),
        num_channels=BRANCHES[:3]),
    stage4=dict(
        num_modules=2,
        num_branches=4,
        block='BASIC',
        num_blocks=(1, 1, 1, 1),
        num_channels=BRANCHES))
#: (library, stock class, taps class, multiscale_output)
FLAVOURS = [
    ('mmseg', SegHRNet, SegHRNetTaps, True),
    ('mmseg', SegHRNet, SegHRNetTaps, False),
    ('mmpose', PoseHRNet, PoseHRNetTaps, True),
    ('mmpose', PoseHRNet, PoseHRNetTaps, False),
]
FLAVOUR_IDS = ['mmseg-multiscale', 'mmseg-single', 'mmpose-multiscale', 'mmpose-single']


def kwargs(library: str, multiscale: bool) -> dict:
    """Constructor arguments: mmseg takes multiscale_output as an argument,
    mmpose from ``extra.stage4``."""
    extra = copy.deepcopy(EXTRA)
    if library == 'mmseg':
        return dict(extra=extra, multiscale_output=multiscale)
    extra['stage4']['multiscale_output'] = multiscale
    return dict(extra=extra)


def stock_stage_outputs(stock, x):
    """Stage 1, 3 and 4 outputs of the stock forward, read with forward hooks (copied
    when produced, so later in-place operations cannot hide)."""
    seen = {}
    hooks = [
        stock.layer1.register_forward_hook(
            lambda m, i, o: seen.__setitem__(1, [o.clone()])),
        stock.stage3.register_forward_hook(
            lambda m, i, o: seen.__setitem__(3, [t.clone() for t in o])),
    ]
    try:
        seen[4] = list(stock(x))
    finally:
        for hook in hooks:
            hook.remove()
    return seen


def randomise_norms(model):
    """Non-trivial BN statistics and affine parameters (eval mode uses them)."""
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
            module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            module.bias.data.copy_(torch.randn(n, generator=generator) * 0.1)


@pytest.mark.parametrize(
    'library,stock_cls,taps_cls,multiscale', FLAVOURS, ids=FLAVOUR_IDS)
def test_outputs_are_the_stock_stage_outputs(library, stock_cls, taps_cls, multiscale):
    torch.manual_seed(0)
    stock = stock_cls(**kwargs(library, multiscale))
    stock.init_weights()
    randomise_norms(stock)
    taps = taps_cls(**kwargs(library, multiscale))
    taps.load_state_dict(stock.state_dict(), strict=True)
    stock.eval()
    taps.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = stock_stage_outputs(stock, x)
        outs = taps(x)
        stage2 = taps_cls(out_stages=(2, 4), **kwargs(library, multiscale))
        stage2.load_state_dict(stock.state_dict())
        stage2.eval()
        stage2_outs = stage2(x)
    stage4 = expected[4]
    assert len(stage4) == (4 if multiscale else 1)
    flat = expected[1] + expected[3] + stage4
    assert len(outs) == len(flat)
    shapes = [(2, 64, 16, 16)] + [(2, c, 16 >> i, 16 >> i)
                                  for i, c in enumerate(BRANCHES[:3])]
    shapes += [(2, c, 16 >> i, 16 >> i) for i, c in enumerate(BRANCHES[:len(stage4)])]
    assert [tuple(o.shape) for o in outs] == shapes
    for out, ref in zip(outs, flat):
        torch.testing.assert_close(out, ref, rtol=0, atol=0)
    # Stage 2 through the same forward; stage 4 still equals the stock output.
    assert [tuple(o.shape) for o in stage2_outs[:2]] == [(2, 8, 16, 16), (2, 16, 8, 8)]
    for out, ref in zip(stage2_outs[2:], stage4):
        torch.testing.assert_close(out, ref, rtol=0, atol=0)


@pytest.mark.parametrize(
    'library,stock_cls,taps_cls,multiscale', FLAVOURS, ids=FLAVOUR_IDS)
def test_parameter_names_are_the_stock_ones(library, stock_cls, taps_cls, multiscale):
    stock = stock_cls(**kwargs(library, multiscale)).state_dict()
    taps = taps_cls(**kwargs(library, multiscale)).state_dict()
    assert list(taps) == list(stock)
    assert all(taps[k].shape == stock[k].shape for k in stock)


@pytest.mark.parametrize('library,stock_cls,taps_cls', [
    ('mmseg', SegHRNet, SegHRNetTaps),
    ('mmpose', PoseHRNet, PoseHRNetTaps),
])
def test_multiscale_stock_weights_load_into_the_kept_part(library, stock_cls, taps_cls):
    """A stock HRNet returning every stage-4 branch (as mmseg's and ImageNet checkpoints
    are) covers every parameter of the single-output model; what is left over is the
    last module's fusion into the other branches."""
    stock = stock_cls(**kwargs(library, True)).state_dict()
    taps = taps_cls(**kwargs(library, False))
    result = taps.load_state_dict(stock, strict=False)
    assert result.missing_keys == []
    assert result.unexpected_keys
    assert all(
        k.startswith('stage4.1.fuse_layers.') and k.split('.')[3] in ('1', '2', '3')
        for k in result.unexpected_keys)
    kept = {k: v for k, v in stock.items() if k not in result.unexpected_keys}
    taps.load_state_dict(kept, strict=True)


@pytest.mark.parametrize('library', ['mmseg', 'mmpose'])
def test_pretrained_checkpoint_loads_unchanged(library, tmp_path):
    """The stock model's checkpoint through the configs' own mechanism
    (``init_cfg=Pretrained``), registry-built by the name ``HRNetTaps``."""
    init_default_scope(library)
    registry = SEG_MODELS if library == 'mmseg' else POSE_MODELS
    torch.manual_seed(0)
    stock = registry.build(dict(type='HRNet', **kwargs(library, False)))
    stock.init_weights()
    path = str(tmp_path / 'hrnet.pth')
    torch.save(dict(state_dict=stock.state_dict()), path)
    taps = registry.build(
        dict(
            type='HRNetTaps',
            init_cfg=dict(type='Pretrained', checkpoint=path),
            **kwargs(library, False)))
    assert isinstance(taps, SegHRNetTaps if library == 'mmseg' else PoseHRNetTaps)
    taps.init_weights()
    loaded = taps.state_dict()
    for name, value in stock.state_dict().items():
        assert torch.equal(loaded[name], value), name


@pytest.mark.parametrize('out_stages', [(), (3, 1), (1, 1, 3), (0, 4), (5, )])
def test_bad_out_stages(out_stages):
    with pytest.raises(ValueError, match='PoseHRNetTaps: out_stages must be'):
        PoseHRNetTaps(out_stages=out_stages, **kwargs('mmpose', False))

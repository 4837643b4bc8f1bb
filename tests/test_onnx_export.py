"""tools/deployment/pytorch2onnx.py: onnxruntime (CPU) against PyTorch.

Each model is randomly initialised, saved as a checkpoint and exported by the
tool's command line; the graph's outputs on fresh inputs must match the PyTorch
network forward within 1e-4 (max abs, float32), and that forward must be the
model's own (``mode='tensor'``) where the model returns it.
"""
import argparse
import importlib.util
import os.path as osp

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import DictAction
from torch import nn

from mmhtc.apis import init_model

HTCORRM_DEMO = osp.join(REPO_ROOT, 'configs', 'demo',
                        'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py')
NPPNET_DEMO = osp.join(REPO_ROOT, 'configs', 'demo',
                       'nppnet-searched_c8-l4_1xb8-200it_synthetic-lip-64x64.py')
NPPNET_SEARCH = osp.join(REPO_ROOT, 'configs', 'demo',
                         'nppnet_search-encdec_c8-l4_1xb4-40it_synthetic-lip-64x64.py')
HTCORRM_POSE = osp.join(REPO_ROOT, 'configs', 'htcorrm',
                        'htcorrm_hrnetv2-w32_2xb16-220e_lip-256x256.py')
# The demo model with edges as the main task (one logit, the parsing encoder's
# classes), and the pose-main HRNetV2-W32 model with one block per branch.
EDGE_MAIN = [
    'model.decode_head.core.main=edge', 'model.decode_head.core.num_classes=20',
    'model.decode_head.num_classes=2', 'model.decode_head.out_channels=1',
    'model.decode_head.threshold=0.5',
    'model.decode_head.loss_decode.type=BalancedEdgeLoss'
]
SHALLOW_HRNET = [
    'model.backbone.extra.stage1.num_blocks=(1,)',
    'model.backbone.extra.stage2.num_blocks=(1,1)',
    'model.backbone.extra.stage3.num_modules=1',
    'model.backbone.extra.stage3.num_blocks=(1,1,1)',
    'model.backbone.extra.stage4.num_modules=1',
    'model.backbone.extra.stage4.num_blocks=(1,1,1,1)'
]
PAPER_GENOTYPE = osp.join(REPO_ROOT, 'configs', 'nppnet', 'genotypes',
                          'nppnet_lip_paper.yaml')
NPPNET_OPTIONS = [f'model.network.genotype={PAPER_GENOTYPE}']
TOLERANCE = 1e-4


def load_tool():
    path = osp.join(REPO_ROOT, 'tools', 'deployment', 'pytorch2onnx.py')
    spec = importlib.util.spec_from_file_location('pytorch2onnx', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tool():
    return load_tool()


def build(config, options=(), seed=0):
    """The model of ``config`` with ``--cfg-options``-style ``options``."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg_options = parser.parse_args(['--cfg-options', *options]).cfg_options \
        if options else None
    torch.manual_seed(seed)
    return init_model(config, cfg_options=cfg_options)


def save_checkpoint(model, path) -> str:
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


def export_cli(tool, config, checkpoint, out, shape, dynamic, options=()):
    argv = [config, checkpoint, '--out', str(out), '--shape', *map(str, shape)]
    if dynamic:
        argv.append('--dynamic')
    if options:
        argv += ['--cfg-options', *options]
    return tool.main(argv)


def input_dims(path):
    model = onnx.load(str(path))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    return model, [d.dim_param or d.dim_value for d in dims]


def max_differences(session, wrapper, inputs):
    """Per output name, max |onnxruntime - PyTorch|."""
    with torch.no_grad():
        expected = wrapper(inputs)
    actual = session.run(None, {'input': inputs.numpy()})
    assert [o.name for o in session.get_outputs()] == wrapper.output_names
    differences = {}
    for name, got, ref in zip(wrapper.output_names, actual, expected):
        assert got.shape == tuple(ref.shape), name
        differences[name] = float(np.abs(got - ref.numpy()).max())
    return differences


def check_export(tool, model, path, shapes):
    """Onnxruntime against PyTorch on random inputs (B, H, W) of ``shapes``."""
    wrapper = tool.export_module(model).eval()
    session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    generator = torch.Generator().manual_seed(1)
    for batch, height, width in shapes:
        inputs = torch.randn(batch, 3, height, width, generator=generator)
        differences = max_differences(session, wrapper, inputs)
        assert max(differences.values()) < TOLERANCE, ((batch, height, width),
                                                       differences)
    return wrapper


@pytest.fixture(scope='module')
def htcorrm(tmp_path_factory):
    model = build(HTCORRM_DEMO)
    folder = tmp_path_factory.mktemp('htcorrm_onnx')
    return model, save_checkpoint(model, folder / 'htcorrm.pth'), folder


@pytest.fixture(scope='module')
def nppnet(tmp_path_factory):
    model = build(NPPNET_DEMO, NPPNET_OPTIONS)
    folder = tmp_path_factory.mktemp('nppnet_onnx')
    return model, save_checkpoint(model, folder / 'nppnet.pth'), folder


def test_htcorrm_demo_outputs_are_the_network_forward(tool, htcorrm):
    model = htcorrm[0]
    wrapper = tool.export_module(model).eval()
    assert wrapper.output_names == ['parsing', 'pose', 'edge']
    inputs = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        parsing, pose, edge = wrapper(inputs)
        torch.testing.assert_close(parsing, model(inputs, mode='tensor'))
    assert pose.shape == (2, 16, 16, 16)
    assert edge.shape == (2, 1, 16, 16)


def test_htcorrm_demo_fixed_shape(tool, htcorrm):
    model, checkpoint, folder = htcorrm
    out = folder / 'fixed.onnx'
    names = export_cli(tool, HTCORRM_DEMO, checkpoint, out, (64, 96), False)
    assert names == ['parsing', 'pose', 'edge']
    graph, dims = input_dims(out)
    assert dims == [1, 3, 64, 96]
    assert graph.opset_import[0].version >= 17
    check_export(tool, model, out, [(1, 64, 96)])


def test_htcorrm_demo_dynamic_shape(tool, htcorrm):
    model, checkpoint, folder = htcorrm
    out = folder / 'dynamic.onnx'
    export_cli(tool, HTCORRM_DEMO, checkpoint, out, (64, 64), True)
    assert input_dims(out)[1] == ['batch', 3, 'height', 'width']
    # other sizes than the traced one: HRNet's fuse layers upsample by scale
    check_export(tool, model, out, [(1, 64, 64), (2, 96, 64), (1, 128, 160)])


def test_htcorrm_explicit_attention_matches_fused(tool, htcorrm):
    # the explicit HNL path's graph against the fused PyTorch forward
    model, checkpoint, folder = htcorrm
    assert model.decode_head.core.hnl.attention == 'auto'
    out = folder / 'explicit.onnx'
    export_cli(tool, HTCORRM_DEMO, checkpoint, out, (64, 64), False,
               ['model.decode_head.core.hnl.attention=explicit'])
    check_export(tool, model, out, [(1, 64, 64)])


@pytest.mark.parametrize(
    'config, options, names', [
        (HTCORRM_DEMO, EDGE_MAIN, ['edge', 'parsing', 'pose']),
        (HTCORRM_POSE, SHALLOW_HRNET, ['pose', 'parsing', 'edge']),
    ],
    ids=['edge-main', 'pose-main'])
def test_htcorrm_other_main_tasks(tool, config, options, names, tmp_path):
    model = build(config, options)
    checkpoint = save_checkpoint(model, tmp_path / 'model.pth')
    out = tmp_path / 'model.onnx'
    assert export_cli(tool, config, checkpoint, out, (64, 64), True, options) == names
    wrapper = check_export(tool, model, out, [(1, 64, 64), (2, 96, 64)])
    inputs = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        main = model(inputs, None, mode='tensor')
        torch.testing.assert_close(wrapper(inputs)[0], main)
    assert main.shape[1] == (1 if names[0] == 'edge' else 16)


def test_nppnet_outputs_are_the_last_stage(tool, nppnet):
    model = nppnet[0]
    wrapper = tool.export_module(model).eval()
    inputs = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        parsing, pose, edge = wrapper(inputs)
        out = model(inputs, mode='tensor')
    torch.testing.assert_close(parsing, out['final']['parsing'])
    torch.testing.assert_close(pose, out['final']['pose'])
    torch.testing.assert_close(edge, out['initial']['edge'])


def test_nppnet_fixed_and_dynamic_shapes(tool, nppnet):
    model, checkpoint, folder = nppnet
    fixed, dynamic = folder / 'fixed.onnx', folder / 'dynamic.onnx'
    export_cli(tool, NPPNET_DEMO, checkpoint, fixed, (64, 64), False, NPPNET_OPTIONS)
    assert input_dims(fixed)[1] == [1, 3, 64, 64]
    check_export(tool, model, fixed, [(1, 64, 64)])
    export_cli(tool, NPPNET_DEMO, checkpoint, dynamic, (64, 64), True, NPPNET_OPTIONS)
    check_export(tool, model, dynamic, [(2, 64, 64), (1, 96, 128)])


def test_bad_inputs_are_named(tool, htcorrm, tmp_path):
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        export_cli(tool, HTCORRM_DEMO, missing, tmp_path / 'x.onnx', (64, 64), False)
    with pytest.raises(ValueError, match='opset must be >= 17'):
        tool.export(htcorrm[0], str(tmp_path / 'x.onnx'), (64, 64), opset=16)
    with pytest.raises(TypeError, match='got Conv2d'):
        tool.export_module(nn.Conv2d(3, 3, 1))
    with pytest.raises(ValueError, match='still searches'):
        tool.export_module(build(NPPNET_SEARCH))

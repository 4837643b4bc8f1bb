"""tools/analysis_tools/benchmark_{hnl,inference,data_pipeline}.py at tiny sizes.

What is measured (memory, parameters, sample shapes) is checked against numbers computed
by hand; the timings only for their form, never their values.
"""
import copy
import importlib.util
import math
import os.path as osp
import re
from types import SimpleNamespace

import mmpose
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from torch.profiler import ProfilerActivity, profile

STOCK_POSE_W32 = osp.join(
    osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
    'topdown_heatmap', 'mpii', 'td-hm_hrnet-w32_8xb64-210e_mpii-256x256.py')
HTCORRM_POSE_W32 = osp.join(REPO_ROOT, 'configs', 'htcorrm',
                            'htcorrm-baseline_hrnetv2-w32_2xb16-220e_lip-256x256.py')


def load_tool(name: str):
    path = osp.join(REPO_ROOT, 'tools', 'analysis_tools', name + '.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def last_line_numbers(output: str, label: str) -> list:
    """The numbers of the last printed line, which must start with ``label``."""
    line = output.strip().splitlines()[-1]
    assert line.startswith(label), line
    numbers = [float(v) for v in re.findall(r'\d+\.\d+', line)]
    assert numbers and all(math.isfinite(v) and v > 0 for v in numbers)
    return numbers


def test_allocator_peak_sums_sizes_in_time_order():
    tool = load_tool('benchmark_hnl')

    def event(start, nbytes):
        return SimpleNamespace(start_ns=lambda: start, nbytes=lambda: nbytes)

    # +100 +50 -100 +30 -50: the peak is 150 bytes.
    events = [event(3, 30), event(0, 100), event(2, -100), event(1, 50), event(4, -50)]
    assert tool.allocator_peak(events) == 150
    assert tool.allocator_peak([]) == 0


def test_measure_memory_counts_tensor_allocations():
    tool = load_tool('benchmark_hnl')

    def allocate():
        first = torch.ones(1_000_000)  # 4 MB
        second = torch.ones(500_000)  # 2 MB, 6 MB live
        del first
        third = torch.ones(250_000)  # 3 MB live
        return second, third

    result = tool.measure_memory(allocate, torch.device('cpu'))
    assert result['peak'] == 6_000_000
    assert result['kernel'] == '-'


def test_attention_kernel_names():
    tool = load_tool('benchmark_hnl')
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        q = torch.randn(1, 16, 8, requires_grad=True)
        torch.nn.functional.scaled_dot_product_attention(q, q, q).sum().backward()
    names = {event.key for event in prof.key_averages()}
    assert tool.attention_kernel(names) == 'flash_attention_for_cpu'
    assert tool.attention_kernel({'aten::softmax', 'aten::bmm'}) == '-'


def test_benchmark_hnl_fused_never_holds_the_relation_map(capsys):
    tool = load_tool('benchmark_hnl')
    # C = 8, 32 x 32, batch 2, no sub-sampling: S is 2 x 1024 x 1024 fp32 =
    # 8.4 MB per copy, each feature map 2 x 8 x 1024 fp32 = 66 kB.
    results = tool.main([
        '--channels', '8', '--inter-channels', '8', '--size', '32', '--no-sub-sample',
        '--repeats', '2'
    ])
    relation = 2 * 1024 * 1024 * 4
    explicit, fused = results['explicit'], results['fused']
    assert results['difference'] < 1e-4
    assert explicit['peak'] >= 2 * relation  # S and its gradient
    assert fused['peak'] < relation  # never one whole copy of S
    assert explicit['kernel'] == '-'
    assert fused['kernel'] != '-' and 'math' not in fused['kernel']
    for res in (explicit, fused):
        assert len(res['times']) == 2
        assert res['seconds'] == pytest.approx(sum(res['times']) / 2)
    memory, seconds = last_line_numbers(capsys.readouterr().out,
                                        'ratios fused/explicit')
    assert memory == pytest.approx(fused['peak'] / explicit['peak'], abs=1e-3)
    assert seconds == pytest.approx(fused['seconds'] / explicit['seconds'], abs=1e-3)


@pytest.mark.skipif(
    not osp.isfile(STOCK_POSE_W32), reason='mmpose configs not installed')
def test_benchmark_inference_pose_against_stock_hrnet(capsys):
    tool = load_tool('benchmark_inference')
    results = tool.main([
        HTCORRM_POSE_W32, STOCK_POSE_W32, '--shape', '64', '64', '--warmup', '0',
        '--repeats', '1'
    ])
    ours, stock = results
    # mmpose's model zoo: HRNet-W32 top-down, 28.54 M parameters; the HTCorrM
    # baseline adds the pose encoder's two 3 x 3 convolutions (2 x 32 x 32 x 9
    # weights, plus biases / BN).
    assert stock['params'] / 1e6 == pytest.approx(28.54, abs=0.005)
    assert 18_432 <= ours['params'] - stock['params'] <= 20_000
    for result in results:
        assert result['images_per_s'] == pytest.approx(1 / result['seconds'])
    (ratio, ) = last_line_numbers(capsys.readouterr().out, 'time ratio A/B')
    assert ratio == pytest.approx(ours['seconds'] / stock['seconds'], abs=1e-3)


def test_benchmark_data_pipeline_on_synthetic_lip(synthetic_lip, capsys):
    tool = load_tool('benchmark_data_pipeline')
    results = tool.main(
        ['--data-root', synthetic_lip, '--max-samples', '3', '--repeats', '2'])
    assert results['num_samples'] == 3
    for name in ('joint', 'stock'):
        assert len(results[name]['times']) == 2
    assert [key.split()[1] for key in results['stock']['transforms']] == [
        'LoadImageFromFile', 'LoadAnnotations', 'RandomResize', 'RandomCrop',
        'RandomFlip', 'PhotoMetricDistortion', 'PackSegInputs'
    ]
    assert [key.split()[1] for key in results['joint']['transforms']] == [
        'LoadImageFromFile', 'LoadHumanAnnotations', 'JointRandomFlip',
        'JointRandomAffine', 'GenerateHumanEdge', 'GenerateTarget', 'PackHumanSegInputs'
    ]
    (ratio, ) = last_line_numbers(capsys.readouterr().out, 'time ratio joint/stock')
    assert ratio == pytest.approx(
        results['joint']['seconds'] / results['stock']['seconds'], abs=1e-3)


def test_data_pipelines_on_the_real_lip_samples(shared_data):
    tool = load_tool('benchmark_data_pipeline')
    cfg = Config.fromfile(tool.DEFAULT_CONFIG)
    pipelines = tool.build_pipelines(cfg)
    samples = tool.load_samples(cfg, osp.join(shared_data, 'lip'), 10)
    # The two real LIP images with parsing labels (../shared/data/lip): the
    # train one has no pose row, the val one has one person.
    assert sorted(osp.basename(s['img_path'])
                  for s in samples) == ['684_2150041.jpg', '86_185913.jpg']
    persons = {osp.basename(s['img_path']): len(s['keypoints']) for s in samples}
    assert persons == {'684_2150041.jpg': 0, '86_185913.jpg': 1}
    for sample in samples:
        joint = pipelines['joint'](copy.deepcopy(sample))
        stock = pipelines['stock'](copy.deepcopy(sample))
        assert joint['inputs'].shape == (3, 384, 384)
        assert stock['inputs'].shape == (3, 321, 321)
        assert stock['data_samples'].gt_sem_seg.data.shape == (1, 321, 321)


def test_data_pipeline_without_labels_is_an_error(tmp_path):
    tool = load_tool('benchmark_data_pipeline')
    cfg = Config.fromfile(tool.DEFAULT_CONFIG)
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        tool.load_samples(cfg, str(tmp_path), 10)


def test_benchmark_inference_onnx_against_pytorch(capsys):
    tool = load_tool('benchmark_inference')
    demo = osp.join(REPO_ROOT, 'configs', 'demo',
                    'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py')
    results = tool.main([
        demo, '--onnx', '--shape', '64', '64', '--batch', '2', '--warmup', '0',
        '--repeats', '2'
    ])
    onnx, pytorch = results
    assert onnx['difference'] < 1e-4
    assert onnx['params'] == pytorch['params']
    for result in results:
        assert len(result['times']) == 2
        assert result['images_per_s'] == pytest.approx(2 / result['seconds'])
    (ratio, ) = last_line_numbers(capsys.readouterr().out,
                                  'time ratio onnxruntime/PyTorch')
    assert ratio == pytest.approx(onnx['seconds'] / pytorch['seconds'], abs=1e-3)


def test_benchmark_inference_arguments_are_checked():
    tool = load_tool('benchmark_inference')
    for argv in (['a.py'], ['a.py', 'b.py',
                            '--onnx'], ['a.py', 'b.py', '--checkpoint', 'c.pth']):
        with pytest.raises(SystemExit):
            tool.parse_args(argv)

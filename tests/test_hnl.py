"""HeterogeneousNonLocal against a naive computation of eq.

1-3.
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO_ROOT

from mmhtc.models.layers import HeterogeneousNonLocal


def conv1x1(x: torch.Tensor, conv) -> torch.Tensor:
    out = torch.einsum('oi,bihw->bohw', conv.weight[:, :, 0, 0], x)
    if conv.bias is None:
        return out
    return out + conv.bias[None, :, None, None]


def batch_norm(x: torch.Tensor, bn) -> torch.Tensor:
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return (x - bn.running_mean[None, :, None, None]
            ) * scale[None, :, None, None] + bn.bias[None, :, None, None]


def naive_hnl(module, main, inputs):
    """Eq.

    1-3 written out: softmax row by row, products as explicit sums.
    """
    if inputs:
        hybrid = batch_norm(
            conv1x1(torch.cat(inputs, 1), module.hybrid.conv), module.hybrid.norm)
    else:
        hybrid = main
    query = conv1x1(hybrid, module.query)
    key = conv1x1(main, module.key)
    value = conv1x1(main, module.value)
    if isinstance(module.pool, torch.nn.MaxPool2d):
        key, value = F.max_pool2d(key, 2), F.max_pool2d(value, 2)
    b, c, h, w = query.shape
    q = query.reshape(b, c, -1).double()
    k = key.reshape(b, c, -1).double()
    v = value.reshape(b, c, -1).double()
    out = torch.zeros_like(q)
    relation = torch.zeros(b, q.shape[2], k.shape[2], dtype=torch.double)
    for n in range(b):
        for i in range(q.shape[2]):
            logits = np.array(
                [float(q[n, :, i] @ k[n, :, j]) for j in range(k.shape[2])])
            weights = np.exp(logits - logits.max())
            weights /= weights.sum()
            relation[n, i] = torch.from_numpy(weights)
            out[n, :, i] = (v[n] * relation[n, i][None]).sum(1)
    context = out.reshape(b, c, h, w).float()
    refined = batch_norm(conv1x1(context, module.out.conv), module.out.norm) + main
    return refined, relation.float()


def randomised(module: HeterogeneousNonLocal) -> HeterogeneousNonLocal:
    torch.manual_seed(1)
    for p in module.parameters():
        torch.nn.init.normal_(p, std=0.3)
    for bn in module.modules():
        if isinstance(bn, torch.nn.BatchNorm2d):
            bn.running_mean.normal_(std=0.2)
            bn.running_var.uniform_(0.5, 1.5)
    return module.eval()


@pytest.mark.parametrize('sub_sample', [True, False])
@pytest.mark.parametrize('num_inputs', [3, 2, 0])
def test_matches_naive_reference(sub_sample, num_inputs):
    torch.manual_seed(0)
    main = torch.randn(2, 8, 6, 4)
    inputs = [torch.randn(2, 8, 6, 4) for _ in range(num_inputs)]
    module = randomised(
        HeterogeneousNonLocal(8, num_inputs, inter_channels=5, sub_sample=sub_sample))
    with torch.no_grad():
        expected, expected_relation = naive_hnl(module, main, inputs)
        explicit, relation = module(main, inputs, return_relation=True)
        fused, none = module(main, inputs)
    assert none is None
    torch.testing.assert_close(explicit, expected, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(relation, expected_relation, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(fused, expected, atol=1e-4, rtol=1e-4)
    keys = 6 if sub_sample else 24
    assert relation.shape == (2, 24, keys)


def test_fused_and_explicit_gradients_agree():
    torch.manual_seed(0)
    main = torch.randn(2, 8, 8, 8, requires_grad=True)
    inputs = [torch.randn(2, 8, 8, 8, requires_grad=True) for _ in range(3)]
    grads = []
    for attention in ('explicit', 'fused'):
        module = randomised(
            HeterogeneousNonLocal(8, 3, inter_channels=4, attention=attention))
        out, _ = module(main, inputs)
        main.grad = None
        grad = torch.autograd.grad(out.square().sum(),
                                   [main] + inputs + list(module.parameters()))
        grads.append(grad)
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_zero_init_returns_the_main_feature():
    module = HeterogeneousNonLocal(8, 3, inter_channels=4)
    module.init_weights()
    main = torch.randn(2, 8, 6, 6)
    out, _ = module.train()(main, [torch.randn(2, 8, 6, 6)] * 3)
    torch.testing.assert_close(out, main)


def test_wrong_number_of_inputs():
    with pytest.raises(ValueError, match='expected 3 hybrid inputs, got 2'):
        HeterogeneousNonLocal(8, 3)(torch.zeros(1, 8, 4, 4),
                                    [torch.zeros(1, 8, 4, 4)] * 2)


def saved_bytes(function) -> int:
    """Bytes of the tensors autograd keeps for the backward pass of ``function()``
    (parameters and inputs counted too)."""
    sizes = []

    def pack(tensor):
        sizes.append(tensor.numel() * tensor.element_size())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        function()
    return sum(sizes)


def train_step(module, main, inputs):
    """Output, gradients of inputs and weights, and BN running statistics."""
    out, _ = module(main, inputs)
    tensors = [main, *inputs, *module.parameters()]
    grads = torch.autograd.grad(out.square().sum(), tensors)
    return [out, *grads, *module.buffers()]


@pytest.mark.parametrize('attention', ['explicit', 'fused'])
@pytest.mark.parametrize('num_inputs', [3, 0])
def test_checkpointing_keeps_outputs_gradients_and_statistics(attention, num_inputs):
    torch.manual_seed(0)
    main = torch.randn(2, 8, 6, 6, requires_grad=True)
    inputs = [torch.randn(2, 8, 6, 6, requires_grad=True) for _ in range(num_inputs)]
    results = []
    for with_cp in (False, True):
        module = randomised(
            HeterogeneousNonLocal(
                8, num_inputs, inter_channels=4, attention=attention, with_cp=with_cp))
        results.append(train_step(module.train(), main, inputs))
    assert len(results[0]) == len(results[1])
    for plain, checkpointed in zip(*results):
        torch.testing.assert_close(checkpointed, plain, atol=1e-5, rtol=1e-5)


def test_checkpointing_keeps_only_segment_inputs_while_training():
    torch.manual_seed(0)
    main = torch.randn(2, 8, 8, 8, requires_grad=True)
    inputs = [torch.randn(2, 8, 8, 8, requires_grad=True) for _ in range(3)]
    plain, checkpointed = (
        HeterogeneousNonLocal(8, 3, inter_channels=4, with_cp=with_cp)
        for with_cp in (False, True))
    plain.load_state_dict(checkpointed.state_dict())

    def run(module):
        return saved_bytes(lambda: module(main, inputs))

    # Checkpointed, only the segments' inputs are kept (a feature B x C x H x W
    # is F): the three hybrid inputs (W1); F_m (keys and values); F_h, key and
    # value, F / 8 each with C' = C / 2 and 4x fewer keys (attention); the
    # context, F / 2, and F_m (W2 and the residual).
    feature = 2 * 8 * 8 * 8 * 4
    assert run(checkpointed) == (3 + 1 + 1.25 + 1.5) * feature
    assert run(plain) > 1.5 * run(checkpointed)
    # In evaluation nothing is checkpointed.
    plain.eval(), checkpointed.eval()
    assert run(checkpointed) == run(plain)


def test_benchmark_with_cp_accounting(capsys):
    path = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'benchmark_hnl.py')
    spec = importlib.util.spec_from_file_location('benchmark_hnl', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    # C = 16, 16 x 16, batch 2, no sub-sampling: S is 2 x 256 x 256 fp32 =
    # 524 kB; a feature map 2 x 16 x 256 fp32 = 32.8 kB.
    results = tool.main([
        '--channels', '16', '--inter-channels', '8', '--size', '16', '--no-sub-sample',
        '--with-cp', '--repeats', '1'
    ])
    relation = 2 * 256 * 256 * 4
    feature = 2 * 16 * 256 * 4
    explicit, checkpointed = results['explicit'], results['checkpointed']
    assert set(results) == {'difference', 'explicit', 'fused', 'checkpointed'}
    assert checkpointed['difference'] < 1e-4
    assert results['difference'] == max(results['fused']['difference'],
                                        checkpointed['difference'])
    assert explicit['peak'] >= 2 * relation
    # The four input gradients are allocated, S never is.
    assert 4 * feature <= checkpointed['peak'] < relation
    assert 'math' not in checkpointed['kernel']
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith('ratios checkpointed/explicit')
    assert lines[-2].startswith('ratios fused/explicit')
    memory = float(lines[-1].split()[3])
    assert memory == pytest.approx(checkpointed['peak'] / explicit['peak'], abs=1e-3)

"""The NPPNet release converter on a state dict laid out as the authors' release.

:class:`ReleaseNetwork` is an independent, functional reading of the release's
``models/model_augment.py`` ``Network`` (with ``models/operations.py``): it runs
on a flat dict of tensors under the release's key names, creating each tensor the
first time the forward pass reads it, so one pass gives a release-layout state
dict and later passes compute the release's outputs from it.
"""
import importlib.util
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from mmhtc.models.nas import load_genotype

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'nppnet',
                  'nppnet_c128-l16-release_4xb4-120e_lip-384x384.py')
GENOTYPE = osp.join(REPO, 'configs', 'nppnet', 'genotypes', 'nppnet_lip_paper.yaml')
#: Width of the small test network: the release's INIT_CHANNELS (C / 2).
INIT = 4


def _load_converter():
    path = osp.join(REPO, 'tools', 'model_converters', 'npp_to_mmhtc.py')
    spec = importlib.util.spec_from_file_location('npp_to_mmhtc', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


converter = _load_converter()


class ReleaseNetwork:
    """The release's forward pass over ``self.sd`` (keys created on first use).

    Args:
        init: INIT_CHANNELS. layers: LAYERS. classes, joints: outputs.
    """

    def __init__(self,
                 init: int,
                 layers: int = 4,
                 classes: int = 20,
                 joints: int = 16,
                 device: str = 'cpu') -> None:
        self.c, self.layers = init, layers
        self.classes, self.joints = classes, joints
        self.device = device
        self.sd = {}
        self.gen = torch.Generator().manual_seed(0)
        self.genotype = load_genotype(GENOTYPE)

    def _new(self, key: str, shape, kind: str) -> torch.Tensor:
        if self.device == 'meta':
            return torch.empty(shape, device='meta')
        if kind == 'conv':
            fan_in = shape[1] * shape[2] * shape[3]
            return torch.randn(shape, generator=self.gen) / fan_in**0.5
        if kind == 'var':
            return torch.rand(shape, generator=self.gen) + 0.5
        if kind == 'weight':
            return 1 + 0.1 * torch.randn(shape, generator=self.gen)
        return 0.1 * torch.randn(shape, generator=self.gen)

    def p(self, key: str, shape, kind: str = 'small') -> torch.Tensor:
        if key not in self.sd:
            self.sd[key] = self._new(key, shape, kind)
        return self.sd[key]

    # layers
    def conv(self, key, x, cin, cout, k, stride=1, pad=0, dil=1, groups=1, bias=False):
        w = self.p(key + '.weight', (cout, cin // groups, k, k), 'conv')
        b = self.p(key + '.bias', (cout, )) if bias else None
        return F.conv2d(x, w, b, stride, pad, dil, groups)

    def bn_params(self, key, c):
        if key + '.num_batches_tracked' not in self.sd:
            self.sd[key + '.num_batches_tracked'] = torch.tensor(0)
        return (self.p(key + '.running_mean',
                       (c, )), self.p(key + '.running_var', (c, ), 'var'),
                self.p(key + '.weight', (c, ), 'weight'), self.p(key + '.bias', (c, )))

    def bn(self, key, x):
        mean, var, w, b = self.bn_params(key, x.shape[1])
        return F.batch_norm(x, mean, var, w, b, False, 0.0, 1e-5)

    def up(self, x, scale):
        return F.interpolate(x, scale_factor=scale, mode='bilinear', align_corners=True)

    # operations.py
    def relu_conv_bn(self, key, x, cin, cout, k, stride=1, pad=0):
        return self.bn(key + 'net.2',
                       self.conv(key + 'net.1', F.relu(x), cin, cout, k, stride, pad))

    def factorized_reduce(self, key, x, cin, cout):
        x = F.relu(x)
        y = torch.cat([
            self.conv(key + 'conv1', x, cin, cout // 2, 1, 2),
            self.conv(key + 'conv2', x[:, :, 1:, 1:], cin, cout // 2, 1, 2)
        ], 1)
        return self.bn(key + 'bn', y)

    def op(self, name, key, x, c, stride):
        if name == 'std3':
            return self.relu_conv_bn(key, x, c, c, 3, stride, 1)
        if name == 'std1':
            return self.relu_conv_bn(key, x, c, c, 1, stride, 0)
        if name in ('dil3_r2', 'dil3_r4'):
            d = 2 if name == 'dil3_r2' else 4
            y = self.conv(key + 'net.1', F.relu(x), c, c, 3, stride, d, d, c)
            return self.bn(key + 'net.3', self.conv(key + 'net.2', y, c, c, 1))
        if name == 'maxpool3':
            return self.bn(key + 'bn', F.max_pool2d(x, 3, stride, 1))
        if name == 'skip':
            return x if stride == 1 else self.factorized_reduce(key, x, c, c)
        if name == 'se':
            w = x.mean((2, 3), keepdim=True)
            w = F.relu(self.conv(key + 'conv1', w, c, c // 2, 1, bias=True))
            w = torch.sigmoid(self.conv(key + 'conv2', w, c // 2, c, 1, bias=True))
            self.bn_params(key + 'bn', c)
            out = x * w
            return out if stride == 1 else self.bn(key + 'bn', F.avg_pool2d(out, 2))
        assert name == 'pooled_conv'
        y = self.conv(
            key + 'net.2', F.relu(F.avg_pool2d(x, 2, 2)), c, c, 3, stride, 1, bias=True)
        return self.up(self.bn(key + 'net.3', y), 2)

    # model_augment.py
    def nodes(self, key, states, genotype, c, stride_of, after=None):
        states = list(states)
        for i in range(4):
            node = 0
            for k in (2 * i, 2 * i + 1):
                name, j = genotype[k]
                wrapped = after is not None and j == 0
                y = self.op(name, f'{key}_ops.{k}.' + ('0.' if wrapped else ''),
                            states[j], c, stride_of(j))
                node = node + (after(y) if wrapped else y)
            states.append(node)
        return states

    def cell(self, key, branch, s0, s1, cpp, cp, c, reduction, reduction_prev):
        s0 = (
            self.factorized_reduce(key + 'preprocess0.', s0, cpp, c) if reduction_prev
            else self.relu_conv_bn(key + 'preprocess0.', s0, cpp, c, 1))
        s1 = self.relu_conv_bn(key + 'preprocess1.', s1, cp, c, 1)
        genotype = self.genotype['encoder'][branch]['reduce' if reduction else 'normal']
        states = self.nodes(key, [s0, s1], genotype, c, lambda j: 2
                            if reduction and j < 2 else 1)
        return torch.cat(states[2:], 1)

    def upsample(self, key, branch, s0, s1, cpp, cp):
        c = cp // 4
        s0 = self.relu_conv_bn(key + 'preprocess0.', s0, cpp, c, 1)
        s1 = self.relu_conv_bn(key + 'preprocess1.', s1, cp, c, 1)
        states = self.nodes(key, [s0, s1], self.genotype['decoder'][branch], c,
                            lambda j: 1, lambda y: self.up(y, 2))
        return torch.cat(states[2:], 1)

    def fusion_cell(self, key, cell, inputs, c):
        states = [
            self.relu_conv_bn(f'{key}preprocess{i}.', x, x.shape[1], c, 1)
            for i, x in enumerate(inputs)
        ]
        states = self.nodes(key, states, self.genotype['fusion'][cell], c, lambda j: 1)
        return torch.cat(states[:3], 1), torch.cat(states[3:], 1)

    def interact(self, key, counter, genotype, target, sources, channels, scales):
        z = 0
        for name, j in genotype:
            prefix = f'{key}.{counter}.'
            counter += 1
            y = self.op(name, prefix + ('0.' if j != target else ''), sources[j],
                        channels[j], 1)
            if j != target:
                y = self.conv(
                    prefix + '1.1',
                    self.up(y, scales[target] / scales[j]),
                    channels[j],
                    channels[target],
                    1,
                    bias=True)
            z = z + y
        return z, counter

    def head(self, key, x, hidden, k, out, bias=True):
        y = self.conv(
            key + '.1', F.relu(x), x.shape[1], hidden, k, pad=k // 2, bias=bias)
        y = F.relu(self.bn(key + '.2', y))
        return self.conv(key + '.4', y, hidden, out, 1, bias=True)

    def heads(self, s, feats):
        pose_aux, edge, pose, par = feats
        return dict(
            pose=self.head(f'pose_head.{s}', pose, 256, 1, self.joints),
            pose_aux=self.head(f'pose_auxnet.{s}', pose_aux, 128, 3, self.joints),
            parsing=self.head(f'par_head.{s}', par, 256, 1, self.classes),
            edge=self.head(f'edge_head.{s}', edge, 6, 3, 2, bias=False))

    def __call__(self, x):
        c, layers = self.c, self.layers
        s = {}
        for b, first in ((1, 0), (2, 3)):
            y = F.relu(
                self.bn(f'stem{first}.1', self.conv(f'stem{first}.0', x, 3, c, 3, 2,
                                                    1)))
            y = F.relu(
                self.bn(f'stem{first + 1}.1',
                        self.conv(f'stem{first + 1}.0', y, c, 2 * c, 3, 2, 1)))
            s[b] = [
                y,
                self.bn(f'stem{first + 2}.1',
                        self.conv(f'stem{first + 2}.0', y, 2 * c, 2 * c, 3, 1, 1))
            ]
        feats = {1: [], 2: []}
        enc = [2 * c, 4 * c, 8 * c, 16 * c]
        counters = {1: 0, 2: 0}
        cpp, cp, cc, reduction_prev = 2 * c, 2 * c, c // 2, False
        for i in range(layers):
            reduction = i in (layers // 4, layers // 2, 3 * layers // 4)
            if reduction:
                cc *= 2
            for b, branch in ((1, 'pose'), (2, 'parsing')):
                s0, s1 = s[b]
                s[b] = [
                    s1,
                    self.cell(f'cells{b}.{i}.', branch, s0, s1, cpp, cp, cc, reduction,
                              reduction_prev)
                ]
            reduction_prev = reduction
            cpp, cp = cp, 4 * cc
            if (i + 1) % (layers // 4) == 0:
                level = (i + 1) // (layers // 4) - 1
                for b in (1, 2):
                    feats[b].append(s[b][1])
                z = {}
                for b, other, task in ((1, 2, 'task1'), (2, 1, 'task2')):
                    z[b], counters[b] = self.interact(
                        f'_ops{b}', counters[b],
                        self.genotype['interaction'][task][level], level, feats[other],
                        enc, [2**-n for n in range(4)])
                for b in (1, 2):
                    s[b][1] = s[b][1] + z[b]
                    feats[b][-1] = s[b][1]
        scales = [1, 1 / 2, 1 / 4, 1 / 8, 1 / 4, 1 / 2, 1]
        channels = [int(2 * c / r) for r in scales]
        counters = {1: 0, 2: 0}
        for t in range(3):
            for b, branch in ((1, 'pose'), (2, 'parsing')):
                feats[b].append(
                    self.upsample(f'upsamples{b}.{t}.', branch, feats[b][-1],
                                  feats[b][2 - t], enc[3 - t], enc[2 - t]))
            z = {}
            for b, other, task in ((1, 2, 'task3'), (2, 1, 'task4')):
                z[b], counters[b] = self.interact(f'up_ops{b}', counters[b],
                                                  self.genotype['interaction'][task][t],
                                                  4 + t, feats[other], channels, scales)
            for b in (1, 2):
                feats[b][-1] = feats[b][-1] + z[b]
        x1, x2 = (
            torch.cat((f[0], f[6], self.up(f[5], 2), self.up(f[4], 4)), 1)
            for f in (feats[1], feats[2]))
        high = []
        for name, inp, out in (('pose_auxlayer', x1, 6), ('edge_layer', x2, 6),
                               ('pose_layer', x1, 8), ('par_layer', x2, 8)):
            high.append(
                self.bn(
                    f'{name}.2',
                    self.conv(f'{name}.1', F.relu(inp), 16 * c, out * c, 1, bias=True)))
        initial = self.heads(0, high)
        pose_aux, edge, pose, par = high
        for j in range(3):
            pose_aux, new_pose = self.fusion_cell(f'pose_net.{j}.', 'pose',
                                                  (pose_aux, pose, par), 2 * c)
            edge, par = self.fusion_cell(f'par_net.{j}.', 'par', (edge, pose, par),
                                         2 * c)
            pose = new_pose
        final = self.heads(1, (pose_aux, edge, pose, par))
        return dict(initial=initial, final=final)


@pytest.fixture(scope='module')
def release():
    net = ReleaseNetwork(INIT)
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = net(x)
    return net, x, out


def _model():
    cfg = Config.fromfile(CONFIG)
    c = 2 * INIT
    cfg.model.network.update(
        channels=c,
        num_cells=4,
        norm_cfg=dict(type='BN'),
        high_level_channels=dict(pose=4 * c, pose_aux=3 * c, parsing=4 * c, edge=3 * c))
    init_default_scope('mmseg')
    return MODELS.build(cfg.model).eval()


def test_release_layout_has_the_names_of_the_release_modules(release):
    """A few names as the release's modules produce them (read in model_augment.py and
    operations.py)."""
    sd = release[0].sd
    for key in ('stem2.0.weight', 'stem5.1.running_var',
                'cells1.0.preprocess0.net.1.weight',
                'cells2.2.preprocess0.conv2.weight', 'cells1.0._ops.1.conv1.bias',
                'cells1.0._ops.1.bn.weight', 'cells2.1._ops.4.net.2.weight',
                'cells1.0._ops.4.bn.bias', 'upsamples1.0._ops.1.0.net.1.weight',
                'upsamples2.2._ops.1.0.conv2.weight', 'upsamples2.1._ops.4.net.2.bias',
                '_ops1.0.net.1.weight', '_ops1.2.1.1.bias', '_ops1.2.0.net.1.weight',
                '_ops2.1.net.2.bias', 'up_ops1.0.net.3.weight', 'up_ops1.1.1.1.weight',
                'pose_layer.1.bias', 'edge_layer.2.num_batches_tracked',
                'pose_auxnet.1.1.weight', 'edge_head.0.4.bias',
                'pose_net.2.preprocess0.net.1.weight', 'par_net.0._ops.1.conv1.weight'):
        assert key in sd, key
    assert 'edge_head.0.1.bias' not in sd


def test_release_reference_has_the_authors_parameter_count():
    """The reference's parameters at the release's width (INIT_CHANNELS=64, 16 cells)
    are the authors' 76,981,324 (shapes only, on the meta device)."""
    net = ReleaseNetwork(64, layers=16, device='meta')
    net(torch.empty(1, 3, 64, 64, device='meta'))
    params = sum(
        v.numel() for k, v in net.sd.items()
        if not k.endswith(('running_mean', 'running_var', 'num_batches_tracked')))
    assert params == 76_981_324


def test_converted_model_computes_the_release_outputs(release):
    net, x, expected = release
    model = _model()
    checkpoint = dict(
        epoch=3,
        state_dict={
            f'module.{k}': v
            for k, v in net.sd.items()
        },
        best_state_dict=dict(net.sd),
        cri1={},
        cri2={})
    state_dict = converter.convert(checkpoint, model)
    model.load_state_dict(state_dict, strict=True)
    assert len(state_dict) == len(net.sd) + 4
    with torch.no_grad():
        out = model.network(x)
    for stage in ('initial', 'final'):
        for name, value in expected[stage].items():
            assert torch.allclose(
                out[stage][name], value, rtol=1e-4, atol=1e-5), (stage, name)
    # DDP's state_dict with its prefix converts alike
    again = converter.convert({'state_dict': checkpoint['state_dict']}, model)
    assert all(torch.equal(again[k], v) for k, v in state_dict.items())


def test_conversion_is_strict(release):
    net = release[0]
    model = _model()
    extra = dict(net.sd, **{'edge_head.0.5.weight': torch.zeros(1)})
    with pytest.raises(KeyError, match=r'without a counterpart: \[.edge_head.0.5'):
        converter.convert(extra, model)
    missing = dict(net.sd)
    del missing['_ops2.1.net.2.bias']
    with pytest.raises(
            KeyError,
            match=r'_ops2.1.net.2.bias \(for network.'
            r'interactions.task2.nodes.1.0.op.conv.1.bias\)'):
        converter.convert(missing, model)
    bad = dict(net.sd, **{'pose_layer.1.bias': torch.zeros(3)})
    with pytest.raises(KeyError, match='pose_layer.1.bias has shape'):
        converter.convert(bad, model)

"""The CorrPM converter on a state dict laid out as the authors' release."""
import importlib.util
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'htcorrm',
                  'htcorrm_r101-d16-corrpm_2xb4-180e_lip-384x384.py')
PAPER_CONFIG = osp.join(REPO, 'configs', 'htcorrm',
                        'htcorrm_r101-d16_2xb4-180e_lip-384x384.py')


def _load_converter():
    path = osp.join(REPO, 'tools', 'model_converters', 'corrpm_to_mmhtc.py')
    spec = importlib.util.spec_from_file_location('corrpm_to_mmhtc', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


converter = _load_converter()


def release_state_dict(num_classes: int = 20, joints: int = 16) -> dict:
    """Random tensors under the release's keys and shapes (CorrPM_Model:

    ResNet-101 deep stem, ASPP, decoder, edge, pose, conv_fuse, nl_SEP), with
    DataParallel's ``module.`` prefix.
    """
    gen = torch.Generator().manual_seed(0)
    sd = {}

    def conv(name, cin, cout, k=1, bias=False):
        sd[f'{name}.weight'] = torch.randn(cout, cin, k, k, generator=gen)
        if bias:
            sd[f'{name}.bias'] = torch.randn(cout, generator=gen)

    def abn(name, c, tracked=False):
        sd[f'{name}.weight'] = torch.randn(c, generator=gen)
        sd[f'{name}.bias'] = torch.randn(c, generator=gen)
        sd[f'{name}.running_mean'] = torch.randn(c, generator=gen)
        sd[f'{name}.running_var'] = torch.rand(c, generator=gen) + 0.5
        if tracked:
            sd[f'{name}.num_batches_tracked'] = torch.tensor(7)

    for i, (cin, cout) in enumerate(((3, 64), (64, 64), (64, 128)), 1):
        conv(f'conv{i}', cin, cout, 3)
        abn(f'bn{i}', cout)
    inplanes = 128
    for layer, (planes, blocks) in enumerate(((64, 3), (128, 4), (256, 23), (512, 3)),
                                             1):
        for b in range(blocks):
            p = f'layer{layer}.{b}.'
            conv(p + 'conv1', inplanes, planes)
            abn(p + 'bn1', planes)
            conv(p + 'conv2', planes, planes, 3)
            abn(p + 'bn2', planes)
            conv(p + 'conv3', planes, planes * 4)
            abn(p + 'bn3', planes * 4)
            if b == 0:
                conv(p + 'downsample.0', inplanes, planes * 4)
                abn(p + 'downsample.1', planes * 4)
            inplanes = planes * 4
    conv('layer5.conv1.1', 2048, 256)
    abn('layer5.conv1.2', 256)
    for i, k in ((2, 1), (3, 3), (4, 3), (5, 3)):
        conv(f'layer5.conv{i}.0', 2048, 256, k)
        abn(f'layer5.conv{i}.1', 256)
    conv('layer5.bottleneck.0', 1280, 512)
    abn('layer5.bottleneck.1', 512)
    for i, cin in ((1, 256), (2, 512), (3, 1024)):
        conv(f'edge_layer.conv{i}.0', cin, 256)
        abn(f'edge_layer.conv{i}.1', 256)
    conv('edge_layer.conv4', 256, 2, 3, bias=True)
    conv('edge_layer.conv5', 512, 2, bias=True)
    conv('edge_layer.conv6', 768, 512)
    sd['pose_layer.deconv_layers.0.weight'] = torch.randn(
        2048, 256, 4, 4, generator=gen)
    abn('pose_layer.deconv_layers.1', 256, tracked=True)
    sd['pose_layer.deconv_layers.3.weight'] = torch.randn(256, 512, 4, 4, generator=gen)
    abn('pose_layer.deconv_layers.4', 512, tracked=True)
    conv('pose_layer.final_layer', 512, joints, bias=True)
    conv('layer6.conv1.0', 512, 256)
    abn('layer6.conv1.1', 256)
    conv('layer6.conv2.0', 256, 48)
    abn('layer6.conv2.1', 48)
    conv('layer6.conv3.0', 768, 512)
    abn('layer6.conv3.1', 512)
    conv('layer6.conv4', 512, num_classes, bias=True)
    conv('out_layer', 512, num_classes, bias=True)
    conv('conv_fuse.0', 1536, 512)
    abn('conv_fuse.1', 512)
    for name in ('g.0', 'theta', 'phi.0'):
        conv(f'nl_SEP.{name}', 512, 256, bias=True)
    conv('nl_SEP.W.0', 256, 512, bias=True)
    abn('nl_SEP.W.1', 512)
    return {f'module.{k}': v for k, v in sd.items()}


@pytest.fixture(scope='module')
def converted():
    release = release_state_dict()
    return {k[len('module.'):]: v for k, v in release.items()}, \
        converter.convert(release)


def test_default_target_is_the_release_structure_config():
    assert osp.samefile(converter.DEFAULT_CONFIG, CONFIG)


def test_keys_match_the_config_model(converted):
    _, state_dict = converted
    missing, unexpected = converter.check_against_config(state_dict, CONFIG)
    assert missing == []
    assert unexpected == []


def test_a_config_without_the_release_stem_is_named():
    with pytest.raises(ValueError, match='stem_channels=None.*needs 128'):
        converter.check_against_config({}, PAPER_CONFIG)


def test_main_writes_the_checkpoint(tmp_path, monkeypatch):
    src, dst = tmp_path / 'release.pth', tmp_path / 'out' / 'mmhtc.pth'
    torch.save(dict(state_dict=release_state_dict()), src)
    monkeypatch.setattr('sys.argv', ['corrpm_to_mmhtc', str(src), str(dst)])
    converter.main()
    written = torch.load(dst, weights_only=True)
    expected = converter.convert(release_state_dict())
    assert written['state_dict'].keys() == expected.keys()
    assert all(torch.equal(written['state_dict'][k], v) for k, v in expected.items())


def test_renamed_tensors_are_the_release_ones(converted):
    release, state_dict = converted
    pairs = {
        'conv3.weight': 'backbone.stem.6.weight',
        'bn2.running_var': 'backbone.stem.4.running_var',
        'layer3.22.conv2.weight': 'backbone.layer3.22.conv2.weight',
        'layer5.conv4.0.weight': 'decode_head.core.encoders.parsing.aspp.2.conv.weight',
        'pose_layer.deconv_layers.4.running_mean':
        'decode_head.core.encoders.pose.layers.1.bn.running_mean',
        'nl_SEP.theta.bias': 'decode_head.core.hnl.query.bias',
        'edge_layer.conv6.weight': 'decode_head.core.encoders.edge.fuse.weight',
        # the pose deconvolutions' BNs are torch's, not InPlace-ABN
        'pose_layer.deconv_layers.1.weight':
        'decode_head.core.encoders.pose.layers.0.bn.weight',
        'out_layer.weight': 'decode_head.conv_seg.weight',
    }
    for old, new in pairs.items():
        assert torch.equal(release[old], state_dict[new]), old


def test_edge_logit_gives_the_release_softmax(converted):
    release, state_dict = converted
    feature = torch.randn(1, 512, 3, 3)
    theirs = F.conv2d(feature, release['edge_layer.conv5.weight'],
                      release['edge_layer.conv5.bias']).softmax(1)[:, 1:]
    ours = F.conv2d(feature, state_dict['decode_head.core.predictors.edge.weight'],
                    state_dict['decode_head.core.predictors.edge.bias']).sigmoid()
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def _bn(x, sd, prefix):
    return F.batch_norm(x, sd[prefix + 'running_mean'], sd[prefix + 'running_var'],
                        sd[prefix + 'weight'], sd[prefix + 'bias'])


def _inplace_abn(x, sd, prefix, slope=None, eps=1e-5):
    """The release's InPlace-ABN at test time: the scale is |weight| + eps
    (libs/src/bn.cu, forward_kernel), then leaky ReLU of ``slope`` unless None
    (activation 'none')."""

    def channel(name):
        return sd[prefix + name][None, :, None, None]

    out = ((x - channel('running_mean')) / torch.sqrt(channel('running_var') + eps) *
           (channel('weight').abs() + eps) + channel('bias'))
    return out if slope is None else torch.where(out < 0, out * slope, out)


@pytest.mark.parametrize('release_prefix,prefix', [
    ('bn2.', 'backbone.stem.4.'),
    ('layer4.2.bn3.', 'backbone.layer4.2.bn3.'),
    ('edge_layer.conv3.1.', 'decode_head.core.encoders.edge.lateral.2.bn.'),
])
def test_inplace_abn_scale_becomes_bn_weight(converted, release_prefix, prefix):
    release, state_dict = converted
    assert (release[release_prefix + 'weight'] < 0).any()
    x = torch.randn(2, release[release_prefix + 'bias'].numel(), 3, 3)
    torch.testing.assert_close(
        _bn(x, state_dict, prefix), _inplace_abn(x, release, release_prefix))


def _config_encoder(task, state_dict):
    """The config's encoder (plain BN) with the converted weights, in eval."""
    from mmengine.config import Config

    from mmhtc.registry import SEG_MODELS
    head = Config.fromfile(CONFIG).model.decode_head
    cfg = dict(head.core.encoders[task])
    cfg.pop('in_index')
    cfg.update(channels=head.channels, norm_cfg=dict(type='BN'))
    encoder = SEG_MODELS.build(cfg)
    prefix = f'decode_head.core.encoders.{task}.'
    encoder.load_state_dict({
        k[len(prefix):]: v
        for k, v in state_dict.items() if k.startswith(prefix)
    })
    return encoder.eval()


def test_parsing_encoder_computes_the_releases_aspp_and_decoder(converted):
    """Computed in float64, so that what is left is the converted float32 weights'
    rounding (|weight| + eps), 1e-7 of each value, carried through the three
    convolutions to outputs of magnitude 1e5."""
    release, state_dict = ({
        k: v.double() if v.is_floating_point() else v
        for k, v in sd.items()
    } for sd in converted)
    gen = torch.Generator().manual_seed(1)
    deep = torch.randn(1, 2048, 5, 5, generator=gen, dtype=torch.float64)
    low = torch.randn(1, 256, 9, 9, generator=gen, dtype=torch.float64)

    def branch(x, conv, dilation=1):
        weight = release[f'layer5.{conv}.0.weight']
        pad = dilation if weight.shape[-1] == 3 else 0
        return _inplace_abn(
            F.conv2d(x, weight, padding=pad, dilation=dilation), release,
            f'layer5.{conv}.1.', 0.01)

    pooled = _inplace_abn(
        F.conv2d(deep.mean((2, 3), keepdim=True), release['layer5.conv1.1.weight']),
        release, 'layer5.conv1.2.', 0.01).expand(-1, -1, 5, 5)
    aspp = torch.cat(
        [pooled, branch(deep, 'conv2')] +
        [branch(deep, f'conv{i}', d) for i, d in ((3, 12), (4, 24), (5, 36))], 1)
    bottle = _inplace_abn(
        F.conv2d(aspp, release['layer5.bottleneck.0.weight']), release,
        'layer5.bottleneck.1.', 0.01)
    up = F.interpolate(bottle, size=(9, 9), mode='bilinear', align_corners=False)
    theirs = _inplace_abn(
        F.conv2d(torch.cat([up, low], 1), release['layer6.conv3.0.weight']), release,
        'layer6.conv3.1.', 0.01)
    with torch.no_grad():
        ours = _config_encoder('parsing', state_dict).double()(deep, low)
    scale = theirs.abs().max().item()
    assert scale > 1e4
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6 * scale)


def test_edge_encoder_computes_the_releases_edge_feature(converted):
    release, state_dict = converted
    gen = torch.Generator().manual_seed(2)
    levels = [
        torch.randn(1, c, size, size, generator=gen)
        for c, size in ((256, 9), (512, 5), (1024, 3))
    ]
    # the release resizes levels 2 and 3 to level 1 with align_corners=True
    laterals = [
        F.interpolate(
            _inplace_abn(
                F.conv2d(x, release[f'edge_layer.conv{i}.0.weight']), release,
                f'edge_layer.conv{i}.1.', 0.01),
            size=(9, 9),
            mode='bilinear',
            align_corners=True) for i, x in enumerate(levels, 1)
    ]
    theirs = F.conv2d(torch.cat(laterals, 1), release['edge_layer.conv6.weight'])
    with torch.no_grad():
        ours = _config_encoder('edge', state_dict)(levels)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-2)


def test_w_bias_folds_into_bn(converted):
    release, state_dict = converted
    x = torch.randn(1, 256, 4, 4)
    theirs = _inplace_abn(
        F.conv2d(x, release['nl_SEP.W.0.weight'], release['nl_SEP.W.0.bias']), release,
        'nl_SEP.W.1.')
    ours = _bn(
        F.conv2d(x, state_dict['decode_head.core.hnl.out.conv.weight']), state_dict,
        'decode_head.core.hnl.out.bn.')
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-3)


def test_hybrid_inputs_are_reordered(converted):
    release, state_dict = converted
    parsing, pose, edge = (torch.randn(1, 512, 2, 2) for _ in range(3))
    theirs = F.conv2d(
        torch.cat([parsing, edge, pose], 1), release['conv_fuse.0.weight'])
    ours = F.conv2d(
        torch.cat([parsing, pose, edge], 1),
        state_dict['decode_head.core.hnl.hybrid.conv.weight'])
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-3)


def test_hnl_hybrid_computes_the_releases_conv_fuse(converted):
    """conv_fuse: 1 x 1 convolution, then InPlace-ABN with its leaky ReLU."""
    from mmengine.config import Config

    from mmhtc.models.layers import HeterogeneousNonLocal
    release, state_dict = converted
    hnl_cfg = Config.fromfile(CONFIG).model.decode_head.core.hnl
    hnl = HeterogeneousNonLocal(512, 3, **dict(hnl_cfg,
                                               norm_cfg=dict(type='BN'))).eval()
    prefix = 'decode_head.core.hnl.'
    hnl.load_state_dict({
        k[len(prefix):]: v
        for k, v in state_dict.items() if k.startswith(prefix)
    })
    parsing, pose, edge = (torch.randn(1, 512, 2, 2) for _ in range(3))
    theirs = _inplace_abn(
        F.conv2d(torch.cat([parsing, edge, pose], 1), release['conv_fuse.0.weight']),
        release, 'conv_fuse.1.', 0.01)
    with torch.no_grad():
        ours = hnl.hybrid(torch.cat([parsing, pose, edge], 1))
    assert (theirs < 0).any()
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-3)


def test_unknown_release_key_is_named():
    with pytest.raises(KeyError, match='layer7.weight'):
        converter.convert({'layer7.weight': torch.zeros(1)})

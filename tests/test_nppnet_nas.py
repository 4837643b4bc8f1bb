"""NPPNet's search-space pieces against hand computations."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from scipy.ndimage import gaussian_filter

from mmhtc.models.losses import UncertaintyWeighting
from mmhtc.models.nas import (ArchitectureParameters, GenotypeError, MixedOp,
                              NPPNetwork, channel_shuffle, derive_cell,
                              derive_interaction, load_genotype, save_genotype)
from mmhtc.models.segmentors.nppnet import NPPNet, blur_heatmaps

PAPER_GENOTYPE = osp.join(REPO_ROOT, 'configs', 'nppnet', 'genotypes',
                          'nppnet_lip_paper.yaml')
OPS = ('std3', 'se', 'dil3_r4', 'dil3_r2', 'std1', 'maxpool3', 'skip')


@pytest.mark.parametrize('stride', [1, 2])
def test_mixed_op_k1_is_weighted_sum(stride):
    torch.manual_seed(0)
    op = MixedOp(8, OPS, stride, partial_channels=1).eval()
    x = torch.randn(2, 8, 12, 12)
    weights = torch.softmax(torch.randn(len(OPS)), 0)
    expected = sum(w * o(x) for w, o in zip(weights, op.ops))
    assert torch.allclose(op(x, weights), expected, atol=1e-6)


def test_channel_shuffle_is_the_interleaving_permutation():
    x = torch.arange(6.).view(1, 6, 1, 1)
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]
    y = torch.randn(2, 12, 3, 3)
    shuffled = channel_shuffle(y, 3)
    assert sorted(shuffled.sum((0, 2, 3)).tolist()) == sorted(y.sum((0, 2, 3)).tolist())


def test_partial_channels_touch_half_of_the_channels():
    torch.manual_seed(0)
    op = MixedOp(8, OPS, 1, partial_channels=2).eval()
    assert all(m.num_features == 4 for m in op.modules()
               if isinstance(m, torch.nn.BatchNorm2d))
    inverse = torch.argsort(
        channel_shuffle(torch.arange(8.).view(1, 8, 1, 1), 2).flatten())
    weights = torch.softmax(torch.randn(len(OPS)), 0)
    x = torch.randn(2, 8, 6, 6)
    out = op(x, weights)[:, inverse]
    assert torch.equal(out[:, 4:], x[:, 4:])
    x2 = x.clone()
    x2[:, 4:] += 1
    assert torch.equal(op(x2, weights)[:, inverse][:, :4], out[:, :4])


def _arch(rows, betas):
    arch = ArchitectureParameters([len(b) for b in betas], len(rows[0]))
    with torch.no_grad():
        arch.alpha.copy_(torch.log(torch.tensor(rows)))
        arch.beta.copy_(torch.tensor([v for b in betas for v in b]))
    return arch


def test_derive_cell_darts_rule():
    ops = ('a', 'b', 'c')
    low, low2, high = [0.6, 0.2, 0.2], [0.55, 0.25, 0.2], [0.1, 0.1, 0.8]
    # node 0 reads states 0, 1; node 1: 0..2; node 2: 0..3; node 3: 0..4
    rows = [low, high] + [high, low, low2] + [low, low2, low2, high
                                              ] + [low, high, low2, low2, low2]
    betas = [[0., 0.], [0., 0., 0.], [0., 0., 0., math.log(3)], [0., 0., 0., 0., 0.]]
    genotype = derive_cell(_arch(rows, betas), ops, num_inputs=2)
    assert genotype == [['c', 1], ['a', 0], ['c', 0], ['a', 1], ['c', 3], ['a', 0],
                        ['c', 1], ['a', 0]]


def test_derive_interaction_threshold_and_cap():
    ops = ('a', 'b', 'c')
    rows = [[0.8, 0.1, 0.1], [0.5, 0.3, 0.2], [0.36, 0.33, 0.31], [0.35, 0.34, 0.31]]
    arch = _arch(rows, [[0., 0.], [0., 0.]])
    nodes = derive_interaction(arch, ops, threshold=0.7, max_ops=4)
    # node 0, gamma: 0.4 (a, 0), 0.25 (a, 1), 0.15 (b, 1): 0.8 >= 0.7 after 3
    assert nodes[0] == [['a', 0], ['a', 1], ['b', 1]]
    # node 1: 0.18, 0.175, 0.17, 0.165 sum to 0.69 < 0.7: capped at 4
    assert nodes[1] == [['a', 0], ['a', 1], ['b', 1], ['b', 0]]


def test_paper_genotype_loads_and_round_trips(tmp_path):
    genotype = load_genotype(PAPER_GENOTYPE)
    assert genotype['encoder']['pose'] == genotype['encoder']['parsing']
    assert genotype['interaction']['task3'][0] == [['dil3_r2', 4], ['dil3_r2', 2],
                                                   ['dil3_r2', 1]]
    path = str(tmp_path / 'g.yaml')
    save_genotype(genotype, path)
    assert load_genotype(path) == genotype


@pytest.mark.parametrize('edit, message', [
    (lambda g: g['fusion']['pose'].__setitem__(0, ['conv9', 1]),
     "fusion.pose[0]: unknown operation 'conv9'"),
    (lambda g: g['encoder'].__setitem__('normal', g['encoder']['normal'][:7]),
     'encoder.normal: a cell lists 8'),
    (lambda g: g['decoder']['pose'].__setitem__(2, ['std1', 3]),
     'decoder.pose[2]: input index 3 out of range 0..2'),
    (lambda g: g.__setitem__(
        'decoder', dict(upsample1=g['decoder']['pose'], upsample2=g['decoder']['pose'])
    ), "decoder: unknown keys ['upsample1', 'upsample2']"),
    (lambda g: g['interaction']['task1'][1].append(['std3', 2]),
     'interaction.task1[1][1]: input index 2 out of range 0..1'),
    (lambda g: g.__setitem__('head', {}), "unknown parts ['head']"),
])
def test_bad_genotype_names_file_and_key(tmp_path, edit, message):
    import yaml
    with open(PAPER_GENOTYPE) as f:
        data = yaml.safe_load(f)
    edit(data)
    path = str(tmp_path / 'bad.yaml')
    with open(path, 'w') as f:
        yaml.safe_dump(data, f)
    with pytest.raises(GenotypeError) as error:
        load_genotype(path)
    assert path in str(error.value) and message in str(error.value)


def test_missing_or_unparsable_genotype_file_is_named(tmp_path):
    missing = str(tmp_path / 'missing.yaml')
    with pytest.raises(FileNotFoundError, match=f'not found: {missing}'):
        load_genotype(missing)
    broken = tmp_path / 'broken.yaml'
    broken.write_text('encoder: [unclosed')
    with pytest.raises(GenotypeError, match=f'{broken}: not valid YAML'):
        load_genotype(str(broken))


def test_paper_genotype_builds_and_runs():
    torch.manual_seed(0)
    net = NPPNetwork(8, 4, 20, 16, genotype=PAPER_GENOTYPE, num_fusion_layers=2).eval()
    out = net(torch.randn(1, 3, 32, 32))
    assert out['initial']['parsing'].shape == (1, 20, 8, 8)
    assert out['initial']['edge'].shape == (1, 1, 8, 8)
    assert out['final']['pose'].shape == (1, 16, 8, 8)
    assert not list(net.architecture())


def test_search_parts_have_architecture_parameters_and_derive():
    torch.manual_seed(0)
    fixed = {
        k: v
        for k, v in load_genotype(PAPER_GENOTYPE).items() if k in ('encoder', 'decoder')
    }
    net = NPPNetwork(
        8,
        4,
        20,
        16,
        genotype=fixed,
        search=('interaction', 'fusion'),
        num_fusion_layers=1)
    names = set(net.architecture())
    assert names == {f'interactions.task{i}.arch'
                     for i in range(1, 5)} | {'fusion.arch.pose', 'fusion.arch.par'}
    assert net.interactions['task3'].arch.alpha.shape == (18, 7)
    assert net.fusion.arch['pose'].alpha.shape == (18, 7)
    derived = net.derive()
    assert derived['encoder'] == fixed['encoder']
    assert load_genotype(derived) == derived


def test_network_part_errors():
    with pytest.raises(ValueError, match='decoder is neither searched'):
        NPPNetwork(8, 4, 20, 16, search=('encoder', ))
    with pytest.raises(ValueError, match="'fusion' is both searched"):
        NPPNetwork(8, 4, 20, 16, genotype=PAPER_GENOTYPE, search=('fusion', ))
    with pytest.raises(FileNotFoundError, match='missing.yaml'):
        NPPNetwork(8, 4, 20, 16, genotype='missing.yaml')


def test_blur_heatmaps_matches_scipy():
    heatmaps = torch.zeros(1, 2, 20, 20)
    heatmaps[0, 0, 5, 7] = 1
    heatmaps[0, 1, 12, 12] = 0.5
    blurred = blur_heatmaps(heatmaps, 2.0)
    for k in range(2):
        ref = gaussian_filter(
            heatmaps[0, k].numpy().astype(np.float64),
            2.0,
            mode='constant',
            truncate=3.0)
        ref = ref * heatmaps[0, k].max().item() / ref.max()
        assert np.allclose(blurred[0, k].numpy(), ref, atol=1e-6)


def test_uncertainty_weighting_by_hand():
    weighting = UncertaintyWeighting(('pose', 'parsing'))
    with torch.no_grad():
        weighting.log_vars['pose'].fill_(0.5)
    out = weighting(dict(pose=torch.tensor(2.), parsing=torch.tensor(3.)))
    assert out['loss_pose'].item() == pytest.approx(2 * math.exp(-0.5) + 0.5)
    assert out['loss_parsing'].item() == pytest.approx(3.)


def test_flip_back_swaps_classes_and_joints():
    parsing = torch.rand(1, 20, 4, 6)
    pose = torch.rand(1, 16, 4, 6)
    edge = torch.rand(1, 1, 4, 6)
    meta = dict(class_flip_pairs=[(14, 15)], flip_indices=list(range(16)))
    meta['flip_indices'][0], meta['flip_indices'][5] = 5, 0
    model = NPPNet(
        dict(
            channels=8,
            num_cells=4,
            num_classes=20,
            num_keypoints=16,
            genotype=PAPER_GENOTYPE))
    view = model._unflip(dict(parsing=parsing, pose=pose, edge=edge), [meta])
    assert torch.equal(view['parsing'][0, 14], parsing[0, 15].flip(1))
    assert torch.equal(view['parsing'][0, 3], parsing[0, 3].flip(1))
    # flipped, then shifted one pixel right (the first column kept)
    assert torch.equal(view['pose'][0, 0, :, 1:], pose[0, 5].flip(1)[:, :-1])
    assert torch.equal(view['pose'][0, 0, :, 0], pose[0, 5, :, -1])
    assert torch.equal(view['edge'], edge.flip(3))
    model.dataset_meta = dict(meta)
    assert torch.equal(
        model._unflip(dict(parsing=parsing, pose=pose, edge=edge), [{}])['pose'],
        view['pose'])
    model.dataset_meta = None
    with pytest.raises(KeyError, match='class_flip_pairs'):
        model._unflip(dict(parsing=parsing, pose=pose, edge=edge), [{}])


def test_flip_and_multiscale_test_averages_the_views():
    """Predict's merged maps equal the views computed by hand: each scale's prediction
    resized to the input, flipped views flipped back with left/right classes and joints
    exchanged, all averaged."""
    from mmpose.models.utils.tta import flip_heatmaps
    from mmseg.models.utils import resize
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    model = NPPNet(
        dict(
            channels=8,
            num_cells=4,
            num_classes=20,
            num_keypoints=16,
            genotype=PAPER_GENOTYPE,
            num_fusion_layers=1),
        test_cfg=dict(scales=(0.5, 1.0), flip=True)).eval()
    flip_indices = [5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 15, 14, 13, 12, 11, 10]
    meta = dict(
        class_flip_pairs=[(14, 15), (16, 17), (18, 19)], flip_indices=flip_indices)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        merged = model._merge_views(x, [meta])
        views = []
        for scale in (0.5, 1.0):
            scaled = resize(x, scale_factor=scale, mode='bilinear')
            for flip in (False, True):
                out = model.network(scaled.flip(3) if flip else scaled)
                parsing = resize(
                    out['final']['parsing'], (64, 64), mode='bilinear').softmax(1)
                pose = resize(out['final']['pose'], (16, 16), mode='bilinear')
                if flip:
                    order = list(range(20))
                    for a, b in meta['class_flip_pairs']:
                        order[a], order[b] = b, a
                    parsing = parsing.flip(3)[:, order]
                    pose = flip_heatmaps(pose, flip_indices, shift_heatmap=True)
                views.append((parsing, pose))
    assert torch.allclose(merged['parsing'], sum(v[0] for v in views) / 4, atol=1e-6)
    assert torch.allclose(merged['pose'], sum(v[1] for v in views) / 4, atol=1e-6)
    sample = SegDataSample(
        metainfo=dict(
            meta,
            img_shape=(64, 64),
            ori_shape=(128, 96),
            scale_factor=(1.5, 2.0),
            padding_size=[0, 0, 0, 0]))
    with torch.no_grad():
        result, = model.predict(x, [sample])
    assert result.pred_sem_seg.data.shape == (1, 128, 96)
    assert result.pred_edge_map.data.shape == (1, 128, 96)
    # keypoints: mmpose's MSRAHeatmap decoding of the merged heatmaps (with its
    # quarter-pixel shift towards the higher neighbour), in original pixels
    from mmpose.codecs import MSRAHeatmap
    codec = MSRAHeatmap(input_size=(64, 64), heatmap_size=(16, 16), sigma=2)
    keypoints, scores = codec.decode(merged['pose'][0].numpy())
    assert np.allclose(
        result.pred_instances.keypoints, keypoints / np.array([1.5, 2.0]), atol=1e-4)
    assert np.allclose(result.pred_instances.keypoint_scores, scores)


def test_prediction_size_follows_the_stem():
    """Heatmaps are merged at the network's output size, which the stem's convolutions
    give (odd sizes round up at each stride 2)."""
    for deep_stem in (False, True):
        network = NPPNetwork(
            channels=8,
            num_cells=4,
            num_classes=20,
            num_keypoints=16,
            genotype=PAPER_GENOTYPE,
            num_fusion_layers=1,
            deep_stem=deep_stem).eval()
        with torch.no_grad():
            out = network(torch.randn(1, 3, 70, 62))
        assert network.output_size((70, 62)) == (18, 16)
        assert out['final']['pose'].shape[2:] == (18, 16)


def test_num_classes_check_covers_nppnet():
    from mmhtc.engine.hooks.num_classes_check_hook import _outputs
    model = NPPNet(
        dict(
            channels=8,
            num_cells=4,
            num_classes=7,
            num_keypoints=14,
            genotype=PAPER_GENOTYPE))
    assert set(_outputs(model)) == {('network.num_classes', 7, 'num_classes'),
                                    ('network.num_keypoints', 14, 'num_keypoints')}


def _op_types(genotype_cell):
    from mmhtc.models.nas.operations import build_op
    return [type(build_op(name, 4)) for name, _ in genotype_cell]


def test_decoders_are_per_branch():
    """The published genotype's pose and parsing decoders build different decoding cells
    in the two branches (all three cells of a branch alike)."""
    genotype = load_genotype(PAPER_GENOTYPE)
    assert genotype['decoder']['pose'] != genotype['decoder']['parsing']
    net = NPPNetwork(8, 4, 20, 16, genotype=PAPER_GENOTYPE, num_fusion_layers=1)
    for branch in ('pose', 'parsing'):
        cell = genotype['decoder'][branch]
        for decoder in net.branches[branch].decoder:
            built = decoder['cell']
            assert built.edges == [(i // 2, j) for i, (_, j) in enumerate(cell)]
            assert [type(op) for op in built.ops] == _op_types(cell)
    pose_cell = net.branches['pose'].decoder[0]['cell']
    parsing_cell = net.branches['parsing'].decoder[0]['cell']
    assert ([type(op) for op in pose_cell.ops] != [type(op) for op in parsing_cell.ops])


def test_decoder_search_keeps_and_derives_one_cell_per_branch():
    fixed = dict(encoder=load_genotype(PAPER_GENOTYPE)['encoder'])
    net = NPPNetwork(
        8, 4, 20, 16, genotype=fixed, search=('decoder', ), num_fusion_layers=1)
    assert set(net.architecture()) == {
        'branches.pose.arch.upsample', 'branches.parsing.arch.upsample'
    }
    ops = net.op_names['decoder']
    with torch.no_grad():
        for branch, op in (('pose', 'std1'), ('parsing', 'dil3_r2')):
            alpha = net.branches[branch].arch['upsample'].alpha
            alpha.zero_()
            alpha[:, ops.index(op)] = 5
    derived = net.derive()['decoder']
    assert {name for name, _ in derived['pose']} == {'std1'}
    assert {name for name, _ in derived['parsing']} == {'dil3_r2'}


def test_fusion_cell_outputs_are_node_and_input_concatenations():
    """Both outputs against the nodes computed by hand from the cell's own operations; a
    second layer reads the first layer's four outputs."""
    from mmhtc.models.nas.fusion import Fusion, FusionCell
    torch.manual_seed(0)
    genotype = load_genotype(PAPER_GENOTYPE)['fusion']
    cell = FusionCell([12, 16, 16], 4, genotype=genotype['pose']).eval()
    inputs = [torch.randn(2, c, 6, 6) for c in (12, 16, 16)]
    with torch.no_grad():
        nodes, passed = cell(inputs, None)
        states = [pre(x) for pre, x in zip(cell.pre, inputs)]
        for k in range(4):
            (op_a, j_a), (op_b, j_b) = genotype['pose'][2 * k:2 * k + 2]
            states.append(cell.cell.ops[2 * k](states[j_a]) +
                          cell.cell.ops[2 * k + 1](states[j_b]))
    assert torch.allclose(nodes, torch.cat(states[3:], 1), atol=1e-6)
    assert torch.allclose(passed, torch.cat(states[:3], 1), atol=1e-6)

    fusion = Fusion(4, 2, genotype).eval()
    assert fusion.out_channels == dict(pose=16, pose_aux=12, parsing=16, edge=12)
    feats = {
        n: torch.randn(1, 4, 6, 6)
        for n in ('pose', 'pose_aux', 'parsing', 'edge')
    }
    with torch.no_grad():
        out = fusion(feats)
        first = fusion.layers[0]
        pose, pose_aux = first['pose'](
            [feats['pose_aux'], feats['pose'], feats['parsing']], None)
        parsing, edge = first['par']([feats['edge'], feats['pose'], feats['parsing']],
                                     None)
        second = fusion.layers[1]
        expected_pose, expected_aux = second['pose']([pose_aux, pose, parsing], None)
        expected_parsing, expected_edge = second['par']([edge, pose, parsing], None)
    for name, expected in (('pose', expected_pose), ('pose_aux', expected_aux),
                           ('parsing', expected_parsing), ('edge', expected_edge)):
        assert torch.allclose(out[name], expected, atol=1e-6), name


def test_entropy_regulariser_at_initialisation_is_the_authors_scale():
    """The default regulariser (0.25 x the mean normalised entropy) against the authors'
    formula computed here: within 0.5x-2x (equal, at 1e-5); eq.

    8's plain sum in nats is two orders of magnitude larger.
    """
    torch.manual_seed(0)
    fixed = {
        k: v
        for k, v in load_genotype(PAPER_GENOTYPE).items() if k in ('encoder', 'decoder')
    }
    model = NPPNet(
        dict(
            channels=8,
            num_cells=4,
            num_classes=20,
            num_keypoints=16,
            genotype=fixed,
            search=('interaction', 'fusion'),
            num_fusion_layers=1))
    cfg = model.train_cfg
    regulariser = cfg['entropy_weight'] * model.network.entropy(
        cfg['entropy_reduction'])
    per_tensor = []
    for arch in model.network.architecture().values():
        p = torch.softmax(arch.alpha.detach().double(), 1)
        entropy = -(p * p.log()).sum(1) / math.log(p.shape[1])
        per_tensor.append(entropy.mean())
    authors = 0.25 * sum(per_tensor) / len(per_tensor)
    assert 0.5 <= regulariser.item() / authors.item() <= 2
    assert regulariser.item() == pytest.approx(authors.item(), rel=1e-5)
    assert model.network.entropy('sum').item() > 100 * regulariser.item()
    with pytest.raises(ValueError, match="'sum' or 'mean'"):
        model.network.entropy('max')


def _training_samples(num_classes=20, num_keypoints=16, size=32):
    from mmengine.structures import InstanceData, PixelData
    from mmseg.structures import SegDataSample
    torch.manual_seed(1)
    samples = []
    for _ in range(2):
        sample = SegDataSample()
        seg = torch.randint(0, num_classes, (1, size, size))
        seg[:, :3] = 255
        sample.gt_sem_seg = PixelData(data=seg)
        edge = torch.randint(0, 2, (1, size, size))
        edge[:, -2:] = 255
        sample.gt_edge_map = PixelData(data=edge)
        sample.gt_fields = PixelData(
            heatmaps=torch.rand(num_keypoints, size // 4, size // 4))
        sample.gt_instance_labels = InstanceData(
            keypoint_weights=torch.rand(1, num_keypoints))
        samples.append(sample)
    return samples


def test_losses_from_the_registry_equal_the_formulas():
    """Default loss configs: cross entropy averaged over labelled pixels, the
    weighted heatmap MSE and the balanced edge loss, computed here directly."""
    from mmpose.models.losses import KeypointMSELoss

    from mmhtc.models.losses import BalancedEdgeLoss
    torch.manual_seed(0)
    model = NPPNet(
        dict(
            channels=8,
            num_cells=4,
            num_classes=20,
            num_keypoints=16,
            genotype=PAPER_GENOTYPE,
            num_fusion_layers=1)).eval()
    samples = _training_samples()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        losses = model.loss(x, samples)
        out = model.network(x)
    parsing = torch.stack([s.gt_sem_seg.data for s in samples])[:, 0]
    edge = torch.stack([s.gt_edge_map.data for s in samples])[:, 0]
    heatmaps = torch.stack([s.gt_fields.heatmaps for s in samples])
    weights = torch.cat([s.gt_instance_labels.keypoint_weights for s in samples])
    up = lambda m: torch.nn.functional.interpolate(  # noqa: E731
        m, (32, 32), mode='bilinear', align_corners=False)
    ce = sum(
        torch.nn.functional.cross_entropy(
            up(stage['parsing']), parsing, ignore_index=255) for stage in out.values())
    mse = KeypointMSELoss(use_target_weight=True)
    pose = sum(mse(stage['pose'], heatmaps, weights) for stage in out.values())
    edge_loss = BalancedEdgeLoss()(up(out['initial']['edge']), edge)
    torch.testing.assert_close(losses['raw_parsing'], ce)
    torch.testing.assert_close(losses['raw_pose'], pose)
    torch.testing.assert_close(losses['raw_edge'], edge_loss)


def test_norm_cfg_reaches_every_norm_layer():
    """SyncBN (the paper configs) replaces every BN; explicit BN is the default network,
    output for output."""
    syncbn = NPPNetwork(
        8,
        4,
        20,
        16,
        genotype=PAPER_GENOTYPE,
        num_fusion_layers=1,
        norm_cfg=dict(type='SyncBN', requires_grad=True))
    norms = [
        m for m in syncbn.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ]
    assert norms and all(isinstance(m, torch.nn.SyncBatchNorm) for m in norms)
    nets = []
    for norm_cfg in (None, dict(type='BN')):
        torch.manual_seed(0)
        nets.append(
            NPPNetwork(
                8,
                4,
                20,
                16,
                genotype=PAPER_GENOTYPE,
                num_fusion_layers=1,
                norm_cfg=norm_cfg).eval())
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        a, b = nets[0](x), nets[1](x)
    assert nets[0].state_dict().keys() == syncbn.state_dict().keys()
    for stage in a:
        for name in a[stage]:
            assert torch.equal(a[stage][name], b[stage][name])


def test_release_outputs_two_class_edge_and_final_auxiliary_losses():
    """With the release's outputs the edge loss reads the softmax's edge
    logit (l1 - l0) and the pose-aux and edge losses cover both stages; the
    prediction's edge probability is softmax[1] of the final edge logits."""
    from mmhtc.models.losses import BalancedEdgeLoss
    from mmhtc.models.segmentors.nppnet import edge_logit
    torch.manual_seed(0)
    model = NPPNet(
        dict(
            channels=8,
            num_cells=4,
            num_classes=20,
            num_keypoints=16,
            genotype=PAPER_GENOTYPE,
            num_fusion_layers=1,
            edge_classes=2,
            final_outputs=('pose', 'pose_aux', 'parsing', 'edge'))).eval()
    samples = _training_samples()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        losses = model.loss(x, samples)
        out = model.network(x)
        merged = model._merge_views(x, [{}])
    edge = torch.stack([s.gt_edge_map.data for s in samples])[:, 0]
    up = lambda m: torch.nn.functional.interpolate(  # noqa: E731
        m, (32, 32), mode='bilinear', align_corners=False)
    expected = sum(BalancedEdgeLoss()(up(stage['edge'][:, 1:] -
                                         stage['edge'][:, :1]), edge)
                   for stage in out.values())
    torch.testing.assert_close(losses['raw_edge'], expected)
    logits = torch.randn(2, 2, 3, 3)
    torch.testing.assert_close(
        edge_logit(logits).sigmoid()[:, 0],
        logits.softmax(1)[:, 1])
    torch.testing.assert_close(merged['edge'], out['final']['edge'].softmax(1)[:, 1:])
    from mmpose.models.losses import KeypointMSELoss
    heatmaps = torch.stack([s.gt_fields.heatmaps for s in samples])
    weights = torch.cat([s.gt_instance_labels.keypoint_weights for s in samples])
    target = blur_heatmaps(heatmaps, model.aux_sigma)
    mse = KeypointMSELoss(use_target_weight=True)
    torch.testing.assert_close(
        losses['raw_pose_aux'],
        sum(mse(stage['pose_aux'], target, weights) for stage in out.values()))


def test_se_connect_average_pool_reduction_by_hand():
    """The release's strided SE connect: re-weighting, 2 x 2 average pooling, BN; its BN
    exists (unused) at stride 1 too."""
    from mmhtc.models.nas.operations import build_op
    torch.manual_seed(0)
    op = build_op('se', 4, 2, op_cfg=dict(se_reduce='avg_pool')).eval()
    torch.nn.init.uniform_(op.bn.running_var, 0.5, 1.5)
    x = torch.randn(2, 4, 6, 6)
    w = torch.sigmoid(op.excite[3](torch.relu(op.excite[1](x.mean((2, 3),
                                                                  keepdim=True)))))
    pooled = (x * w).reshape(2, 4, 3, 2, 3, 2).mean((3, 5))
    expected = (pooled - op.bn.running_mean[:, None, None]
                ) / torch.sqrt(op.bn.running_var[:, None, None] + op.bn.eps)
    with torch.no_grad():
        torch.testing.assert_close(op(x), expected)
    assert build_op('se', 4, 1, op_cfg=dict(se_reduce='avg_pool')).bn is not None
    assert build_op('se', 4, 1).bn is None
    with pytest.raises(ValueError, match='unknown keys'):
        build_op('se', 4, 1, op_cfg=dict(se='avg_pool'))
    with pytest.raises(ValueError, match='network.align_corners'):
        NPPNetwork(
            8, 4, 20, 16, genotype=PAPER_GENOTYPE, op_cfg=dict(align_corners=True))

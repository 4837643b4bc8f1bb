"""tools/misc/publish_model.py: weights-only release files."""
import hashlib
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

from mmhtc.apis import inference_human, init_model

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO, 'configs', 'demo',
                       'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128.py')


def _load_tool():
    path = osp.join(REPO, 'tools', 'misc', 'publish_model.py')
    spec = importlib.util.spec_from_file_location('publish_model', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


publish_model = _load_tool()


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A freshly initialised demo model saved as mmengine saves a training
    checkpoint: message hub, optimizer, schedulers, numpy values in meta."""
    torch.manual_seed(0)
    model = init_model(DEMO_CONFIG)
    hub = MessageHub.get_instance('publish_model_test')
    hub.update_scalar('train/loss', 1.5)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    checkpoint = dict(
        meta=dict(
            iter=600,
            seed=np.int64(0),
            cfg='model = dict()',
            dataset_meta=dict(
                model.dataset_meta, sigmas=np.array([0.1, 0.2], dtype=np.float32))),
        state_dict=model.state_dict(),
        message_hub=hub.state_dict(),
        optimizer=optimizer.state_dict(),
        param_schedulers=[dict(last_step=600)],
        rng_state=[dict(torch=torch.get_rng_state())])
    path = tmp_path_factory.mktemp('work_dir') / 'iter_600.pth'
    torch.save(checkpoint, path)
    return model, str(path)


def test_release_file_is_weights_only_and_named_by_its_hash(trained, tmp_path):
    model, path = trained
    with pytest.raises(Exception):
        torch.load(path, weights_only=True)
    out = publish_model.publish(path, str(tmp_path / 'demo.pth'))
    with open(out, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert out == str(tmp_path / f'demo-{digest[:8]}.pth')
    assert sorted(p.name for p in tmp_path.iterdir()) == [osp.basename(out)]
    released = torch.load(out, weights_only=True)
    assert sorted(released) == ['meta', 'state_dict']
    assert released['meta']['seed'] == 0
    assert released['meta']['dataset_meta']['sigmas'] == pytest.approx([0.1, 0.2])
    for key, value in model.state_dict().items():
        assert torch.equal(released['state_dict'][key], value), key


def test_release_gives_identical_outputs(trained, tmp_path, shared_data):
    model, path = trained
    out = publish_model.publish(path, str(tmp_path / 'demo.pth'))
    loaded = init_model(DEMO_CONFIG, out)
    image = osp.join(shared_data, 'lip', 'TrainVal_images', 'val_images',
                     '86_185913.jpg')
    before, after = inference_human(model, image), inference_human(loaded, image)
    np.testing.assert_array_equal(after.parsing, before.parsing)
    np.testing.assert_array_equal(after.edge, before.edge)
    np.testing.assert_array_equal(after.keypoints, before.keypoints)
    assert loaded.dataset_meta['classes'] == model.dataset_meta['classes']


def test_bad_inputs_are_named(tmp_path):
    with pytest.raises(TypeError, match=r'meta\.hub\.buffer'):
        publish_model.plain(dict(hub=dict(buffer=object())))
    path = tmp_path / 'weights.pth'
    torch.save(dict(meta={}), path)
    with pytest.raises(KeyError, match='weights.pth'):
        publish_model.publish(str(path), str(tmp_path / 'out.pth'))

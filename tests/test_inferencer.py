"""HumanInferencer and the video demo on a short video, a folder and arrays of
real LIP images with the demo model freshly initialised: outputs against
single-image inference."""
import importlib.util
import os
import os.path as osp
import sys

import cv2
import mmengine
import numpy as np
import pytest
import torch

from mmhtc.apis import HumanInferencer, inference_human
from mmhtc.apis.inferencer import prediction_dict

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MODEL_NAME = 'htcorrm_hrnetv2-w18s_1xb8-600it_synthetic-lip-128x128'
IMAGES = ('114317_456748.jpg', '208597_461278.jpg', '313434_204398.jpg')
#: (width, height) of the video's frames.
FRAME_SIZE = (96, 128)
FPS = 5.0


@pytest.fixture(scope='module')
def inferencer():
    torch.manual_seed(0)
    return HumanInferencer(MODEL_NAME, device='cpu', show_progress=False)


@pytest.fixture(scope='module')
def video(shared_data, tmp_path_factory):
    """A 3-frame mp4 written with OpenCV from LIP val images resized to one size."""
    path = str(tmp_path_factory.mktemp('video') / 'walk.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), FPS, FRAME_SIZE)
    for name in IMAGES:
        image = cv2.imread(
            osp.join(shared_data, 'lip', 'TrainVal_images', 'val_images', name))
        writer.write(cv2.resize(image, FRAME_SIZE))
    writer.release()
    return path


def _frames(path):
    capture = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    fps = capture.get(cv2.CAP_PROP_FPS)
    capture.release()
    return frames, fps


def _video_demo():
    path = osp.join(REPO, 'tools', 'demo', 'video_demo.py')
    spec = importlib.util.spec_from_file_location('video_demo', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_video_demo_to_mp4_and_json_per_frame(inferencer, video, tmp_path, monkeypatch):
    checkpoint = tmp_path / 'fresh.pth'
    torch.save(dict(state_dict=inferencer.model.state_dict(), meta={}), checkpoint)
    monkeypatch.setattr(sys, 'argv', [
        'video_demo.py', video, MODEL_NAME, '--weights',
        str(checkpoint), '--out-dir',
        str(tmp_path), '--device', 'cpu', '--edge-thr', '1'
    ])
    _video_demo().main()
    written, fps = _frames(str(tmp_path / 'visualizations' / 'walk.mp4'))
    assert len(written) == len(IMAGES)
    assert written[0].shape == (FRAME_SIZE[1], FRAME_SIZE[0], 3)
    assert fps == FPS
    predictions = mmengine.load(str(tmp_path / 'predictions' / 'walk.json'))
    assert [p['frame_id'] for p in predictions] == list(range(len(IMAGES)))
    frames, _ = _frames(video)
    visualizer = inferencer.visualizer
    visualizer.edge_thr = 1
    # the expected drawings (parsing colours and skeleton, no edges) through
    # the same lossy codec
    reference = str(tmp_path / 'reference.mp4')
    writer = cv2.VideoWriter(reference, cv2.VideoWriter_fourcc(*'mp4v'), FPS,
                             FRAME_SIZE)
    for frame, pred in zip(frames, predictions):
        expected = inference_human(inferencer.model, frame)
        writer.write(
            visualizer.draw_human(frame[..., ::-1], expected)[..., ::-1].copy())
        assert np.array_equal(pred['parsing'], expected.parsing)
        assert np.array_equal(np.asarray(pred['edge'], np.float32), expected.edge)
        assert np.array_equal(
            np.asarray(pred['keypoints'], np.float32), expected.keypoints)
        assert np.array_equal(
            np.asarray(pred['keypoint_scores'], np.float32), expected.keypoint_scores)
    writer.release()
    drawn, _ = _frames(reference)
    assert all(np.array_equal(a, b) for a, b in zip(written, drawn))
    assert not np.array_equal(written[0], frames[0])


def test_folder_and_arrays(inferencer, video, tmp_path):
    frames, _ = _frames(video)
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i, frame in enumerate(frames[:2]):
        cv2.imwrite(str(folder / f'{i}.png'), frame)
    (folder / 'notes.txt').write_text('not an image')
    outputs = list(
        inferencer(
            str(folder),
            batch_size=2,
            return_vis=True,
            pred_out_dir=str(tmp_path / 'preds'),
            vis_out_dir=str(tmp_path / 'vis')))
    assert len(outputs) == 1 and len(outputs[0]['visualization']) == 2
    assert sorted(os.listdir(tmp_path / 'preds')) == ['0.json', '1.json']
    assert sorted(os.listdir(tmp_path / 'vis')) == ['0.png', '1.png']
    results = next(inferencer(frames[:2], return_datasamples=True,
                              batch_size=2))['predictions']
    for i, result in enumerate(results):
        assert mmengine.load(str(tmp_path / 'preds' / f'{i}.json')) == \
            prediction_dict(result)
        drawn = inferencer.visualizer.draw_human(frames[i][..., ::-1], result)
        assert np.array_equal(outputs[0]['visualization'][i], drawn)
        assert np.array_equal(
            cv2.imread(str(tmp_path / 'vis' / f'{i}.png'))[..., ::-1], drawn)


def test_bad_inputs(inferencer, tmp_path):
    with pytest.raises(FileNotFoundError, match='no video at .*missing.mp4'):
        next(inferencer(str(tmp_path / 'missing.mp4')))
    broken = tmp_path / 'broken.mp4'
    broken.write_text('not a video')
    with pytest.raises(ValueError, match='cannot open .*broken.mp4'):
        next(inferencer(str(broken)))
    with pytest.raises(ValueError, match='no images .* in'):
        next(inferencer(str(tmp_path)))
    (tmp_path / 'corrupt.png').write_text('not an image')
    with pytest.raises(ValueError, match='corrupt.png is not a readable'):
        next(inferencer(str(tmp_path)))
    with pytest.raises(ValueError, match='webcam:<id>'):
        next(inferencer('webcam:front'))
    with pytest.raises(ValueError, match='neither a config file nor a model'):
        HumanInferencer('no_such_model')


def test_webcam_reads_like_a_video(inferencer, video, tmp_path, monkeypatch):
    """``webcam:<id>`` opens OpenCV's capture of that camera, the video's
    path: here the camera is the test video."""
    opened = []
    capture = cv2.VideoCapture

    def fake_capture(source):
        opened.append(source)
        return capture(video)

    monkeypatch.setattr(cv2, 'VideoCapture', fake_capture)
    outputs = list(
        inferencer('webcam:1', batch_size=len(IMAGES), out_dir=str(tmp_path)))
    monkeypatch.undo()
    assert opened == [1] and len(outputs[0]['predictions']) == len(IMAGES)
    written, fps = _frames(str(tmp_path / 'visualizations' / 'webcam.mp4'))
    assert len(written) == len(IMAGES) and fps == FPS
    assert len(mmengine.load(str(tmp_path / 'predictions' /
                                 'webcam.json'))) == len(IMAGES)

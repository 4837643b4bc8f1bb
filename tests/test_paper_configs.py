"""Every config trains one iteration and validates through the mmengine Runner.

Each config runs as written (its model type, heads, dataset class, pipelines,
schedule, hooks and evaluators), with these changes only: the data root points at a
copy of real samples laid out as the config's own paths expect (synthetic data
where no real sample of the dataset exists), the input size is 64 x 64, the splits
hold two training samples (four for a search) and one validation sample, nothing
is downloaded (plain BN, no pretrained weights), and the backbones are shallower
with the same stages, widths and outputs (ResNet-101 as ResNet-50, one block per
HRNet branch, NPPNet at C=16). ``NumClassesCheckHook`` then verifies that the
model's classes and joints fit the dataset, so a config that cannot start fails
here. Full-size models are built by ``test_htcorrm_configs.py`` and
``test_nppnet_configs.py``.
"""
import glob
import json
import math
import os
import os.path as osp
from typing import Dict, List

import numpy as np
import pytest
import scipy.io
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from PIL import Image
from test_htcorrm_configs import offline

from mmhtc.models.nas import load_genotype, save_genotype

CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', '*', '*.py')),
    key=lambda p: (osp.basename(osp.dirname(p)), osp.basename(p)))
PAPER_GENOTYPE = osp.join(REPO_ROOT, 'configs', 'nppnet', 'genotypes',
                          'nppnet_lip_paper.yaml')
#: Keypoints per dataset class, for the generated pose files.
NUM_KEYPOINTS = dict(
    CIHPHumanDataset=17, ATRHumanDataset=17, PascalPersonPartHumanDataset=14)


def config_id(path: str) -> str:
    return f'{osp.basename(osp.dirname(path))}/{osp.basename(path)}'


class Sample:
    """One real (or synthetic) image with its parsing map and one person."""

    def __init__(self, image: str, label: str, keypoints: np.ndarray) -> None:
        self.image, self.label, self.keypoints = image, label, keypoints
        self.stem = osp.splitext(osp.basename(image))[0]


def keypoints_on_person(label: str, num: int, seed: int) -> np.ndarray:
    """``num`` joints (x, y) at pixels of the labelled person, deterministic."""
    ys, xs = np.nonzero(np.asarray(Image.open(label)) % 255 > 0)
    picks = np.random.default_rng(seed).choice(len(xs), num)
    return np.stack([xs[picks], ys[picks]], axis=1).astype(np.float64)


def atr_label(lip_label: str, folder: str) -> str:
    """A synthetic LIP label folded into ATR's 18 classes (255 kept)."""
    label = np.asarray(Image.open(lip_label))
    path = osp.join(folder, osp.basename(lip_label))
    Image.fromarray(np.where(label == 255, 255, label % 18).astype(np.uint8)).save(path)
    return path


@pytest.fixture(scope='session')
def samples(shared_data, synthetic_lip, tmp_path_factory) -> Dict[str, List[Sample]]:
    """Per dataset class: two samples (the first also serves as validation)."""
    lip = osp.join(shared_data, 'lip')
    row = next(
        r for r in open(osp.join(lip, 'TrainVal_pose_annotations', 'lip_val_set.csv'))
        if r.startswith('86_185913.jpg'))
    lip_joints = np.array(row.strip().split(',')[1:], float).reshape(16, 3)
    lip_sample = Sample(
        osp.join(lip, 'TrainVal_images', 'val_images', '86_185913.jpg'),
        osp.join(lip, 'TrainVal_parsing_annotations', 'val_segmentations',
                 '86_185913.png'), lip_joints[:, :2])
    cihp = osp.join(shared_data, 'cihp', 'instance-level_human_parsing', 'Training')
    pascal = osp.join(shared_data, 'pascal_person_part')
    synthetic = osp.join(synthetic_lip, 'TrainVal_images', 'train_images')
    result = dict(
        LIPHumanDataset=[lip_sample, lip_sample],
        CIHPHumanDataset=[
            Sample(
                osp.join(cihp, 'Images', f'{i}.jpg'),
                osp.join(cihp, 'Category_ids', f'{i}.png'), None)
            for i in ('0000002', '0002190')
        ],
        PascalPersonPartHumanDataset=[
            Sample(
                osp.join(pascal, 'JPEGImages', f'{i}.jpg'),
                osp.join(pascal, 'pascal_person_part_gt_DERIVED', f'{i}.png'), None)
            for i in ('2008_000652', '2008_000700')
        ],
        ATRHumanDataset=[
            Sample(
                osp.join(synthetic, f'{i}.jpg'),
                atr_label(
                    osp.join(synthetic_lip, 'TrainVal_parsing_annotations',
                             'train_segmentations', f'{i}.png'),
                    str(tmp_path_factory.mktemp('atr'))), None) for i in sorted(
                        osp.splitext(n)[0] for n in os.listdir(synthetic))[:2]
        ])
    for name, num in NUM_KEYPOINTS.items():
        for seed, sample in enumerate(result[name]):
            sample.keypoints = keypoints_on_person(sample.label, num, seed)
    mpii = osp.join(shared_data, 'mpii')
    result['MPIIHumanDataset'] = [
        dict(ann, image=osp.join(mpii, ann['image']))
        for ann in json.load(open(osp.join(mpii, 'test_mpii.json')))[:2]
    ]
    return result


def link(src: str, dst: str) -> None:
    os.makedirs(osp.dirname(dst), exist_ok=True)
    if not osp.exists(dst):
        os.symlink(src, dst)


def write_human_split(dataset: dict, samples: List[Sample], root: str) -> None:
    """Lay ``samples`` out as ``dataset``'s config expects (ids, images, labels, pose
    file in the dataset's format) under ``root`` and point it there."""
    prefix = dataset.data_prefix
    ids = [s.stem for s in samples]
    samples = list({s.stem: s for s in samples}.values())
    for sample in samples:
        link(sample.image, osp.join(root, prefix.img_path, sample.stem + '.jpg'))
        if 'seg_map_path' in prefix:
            link(sample.label, osp.join(root, prefix.seg_map_path,
                                        sample.stem + '.png'))
    os.makedirs(osp.dirname(osp.join(root, dataset.ann_file)), exist_ok=True)
    with open(osp.join(root, dataset.ann_file), 'w') as f:
        f.write('\n'.join(ids * 2) + '\n')
    pose_file = osp.join(root, dataset.pose_file)
    os.makedirs(osp.dirname(pose_file), exist_ok=True)
    if dataset.type == 'LIPHumanDataset':
        with open(pose_file, 'w') as f:
            for sample in samples:
                values = [f'{v:g}' for xy in sample.keypoints for v in (*xy, 1)]
                f.write(','.join([sample.stem + '.jpg'] + values) + '\n')
    else:
        images = [dict(id=i, file_name=s.stem + '.jpg') for i, s in enumerate(samples)]
        annotations = [
            dict(
                id=i,
                image_id=i,
                keypoints=np.concatenate(
                    [s.keypoints, np.full(
                        (len(s.keypoints), 1), 2)], axis=1).ravel().tolist())
            for i, s in enumerate(samples)
        ]
        with open(pose_file, 'w') as f:
            json.dump(dict(images=images, annotations=annotations), f)
    dataset.data_root = root


def write_mpii_split(dataset: dict, anns: List[dict], root: str) -> None:
    """MPII in mmpose's layout, with parsing PNGs and head boxes."""
    for ann in anns:
        name = osp.basename(ann['image'])
        link(ann['image'], osp.join(root, dataset.data_prefix.img, name))
        seg_dir = dataset.data_prefix.get('seg_map_path')
        if seg_dir:
            w, h = Image.open(ann['image']).size
            label = np.zeros((h, w), np.uint8)
            label[h // 4:3 * h // 4, w // 4:3 * w // 4] = 5
            os.makedirs(osp.join(root, seg_dir), exist_ok=True)
            Image.fromarray(label).save(
                osp.join(root, seg_dir, name.replace('.jpg', '.png')))
    records = [dict(ann, image=osp.basename(ann['image'])) for ann in anns]
    ann_file = osp.join(root, dataset.ann_file)
    os.makedirs(osp.dirname(ann_file), exist_ok=True)
    with open(ann_file, 'w') as f:
        json.dump(records * 2, f)
    if dataset.get('headbox_file'):
        head = np.array([a['joints'][9] for a in records * 2])
        boxes = np.stack([head - 30, head + 30], axis=1)  # (N, 2, 2)
        dataset.headbox_file = osp.join(root, 'annotations', 'headboxes.mat')
        scipy.io.savemat(dataset.headbox_file,
                         dict(headboxes_src=boxes.transpose(1, 2, 0)))
    dataset.data_root = root


def leaf_dataset(dataset: dict) -> dict:
    """The dataset inside wrappers such as ``SearchSplitDataset``."""
    while 'dataset' in dataset:
        dataset = dataset.dataset
    return dataset


def tiny(cfg: Config, samples: dict, root: str, size: int) -> Config:
    """Point every loader at a tiny split and shrink the input size to ``size``."""
    cfg.model = offline(cfg.model.to_dict())
    if 'backbone' in cfg.model:
        shrink_backbone(cfg.model.backbone)
    for loader_name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[loader_name]
        loader.update(num_workers=0, persistent_workers=False)
        loader.batch_size = 2 if loader_name == 'train_dataloader' else 1
        searched = loader.dataset.type == 'SearchSplitDataset'
        dataset = leaf_dataset(loader.dataset)
        split_root = osp.join(root, loader_name)
        if dataset.type == 'SyntheticLIPDataset':
            dataset.update(data_root=split_root, num_train=4, num_val=1)
        elif dataset.type == 'MPIIHumanDataset':
            write_mpii_split(dataset, samples[dataset.type], split_root)
        else:
            write_human_split(dataset, samples[dataset.type], split_root)
        dataset.indices = (4 if searched else 2) if loader_name == (
            'train_dataloader') else 1
        dataset.serialize_data = False
    for section in ('model', 'train_dataloader', 'val_dataloader', 'test_dataloader'):
        resize_inputs(cfg[section], size)
    default_hooks = cfg.default_hooks
    default_hooks.checkpoint.update(interval=-1, save_last=False, save_best=None)
    default_hooks.logger.interval = 1
    loop = cfg.train_cfg
    if loop.get('type', 'EpochBasedTrainLoop') == 'IterBasedTrainLoop':
        loop.update(max_iters=1, val_interval=1)
    else:
        loop.update(max_epochs=1, val_interval=1, val_begin=1)
    return cfg


def shrink_backbone(backbone: dict) -> None:
    """Fewer blocks, the same stages, widths and outputs: ResNet-101 becomes ResNet-50,
    HRNet keeps one module of one block per branch and stage."""
    if backbone.get('depth') == 101:
        backbone.depth = 50
    for name, stage in backbone.get('extra', {}).items():
        if name.startswith('stage'):
            stage.update(num_modules=1, num_blocks=(1, ) * stage.num_branches)


def resize_inputs(cfg, size: int) -> None:
    """Every input size of pipelines, codecs and preprocessors becomes ``size``."""
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key == 'input_size' or (key == 'scale' and cfg.get('type') == 'Resize'):
                cfg[key] = (size, size)
            elif key == 'heatmap_size':
                cfg[key] = (size // 4, size // 4)
            elif key == 'size' and cfg.get('type') == 'SegDataPreProcessor':
                cfg[key] = (size, size)
            else:
                resize_inputs(value, size)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            resize_inputs(value, size)


class Record(Hook):
    """Keeps the training losses and the validation metrics of a run."""

    def __init__(self) -> None:
        self.losses, self.metrics = [], []

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        self.losses.append(float(outputs['loss'].detach()))

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics.append(metrics)


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_config_trains_and_validates(path, samples, tmp_path):
    cfg = Config.fromfile(path)
    network = cfg.model.get('network') or cfg.model.get('model', {}).get('network')
    if network:
        # NPPNet at C=16: the paper's cells, L and genotype at 1/8 of the width
        network.channels = min(network.channels, 16)
        if network.get('genotype_from'):
            # what the earlier stage would write: the parts not searched here
            genotype = load_genotype(PAPER_GENOTYPE)
            for part in network.get('search', ()):
                genotype.pop(part)
            network.genotype = str(tmp_path / 'genotype.yaml')
            save_genotype(genotype, network.genotype)
    cfg = tiny(cfg, samples, str(tmp_path / 'data'), 64)
    cfg.work_dir = str(tmp_path / 'work_dir')
    runner = Runner.from_cfg(cfg)
    record = Record()
    runner.register_hook(record)
    runner.train()
    assert len(record.losses) == 1 and math.isfinite(record.losses[0])
    assert len(record.metrics) == 1 and record.metrics[0]
    # NaN marks classes or joints absent from the one validation sample
    values = [v for v in record.metrics[0].values() if np.isscalar(v)]
    assert not any(math.isinf(v) for v in values)
    assert any(math.isfinite(v) for v in values)

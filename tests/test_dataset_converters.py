"""tools/dataset_converters on the real PASCAL-Part annotations."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
from conftest import REPO_ROOT
from PIL import Image


def load_tool(name: str):
    path = osp.join(REPO_ROOT, 'tools', 'dataset_converters', name + '.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pascal_person_part_labels_match_the_reference(shared_data, tmp_path):
    tool = load_tool('pascal_person_part')
    root = osp.join(shared_data, 'pascal_person_part')
    ids = [
        line.strip() for name in ('train_id.txt', 'val_id.txt')
        for line in open(osp.join(root, name)) if line.strip()
    ]
    assert len(ids) == 8
    for img_id in ids:
        label = tool.convert_mat(f'{root}/Annotations_Part/{img_id}.mat')
        reference = np.array(
            Image.open(f'{root}/pascal_person_part_gt_DERIVED/{img_id}.png'))
        np.testing.assert_array_equal(label, reference)


def test_pascal_person_part_rejects_other_files(tmp_path):
    from scipy.io import savemat
    bad = tmp_path / 'bad.mat'
    savemat(str(bad), {'something': np.zeros(3)})
    with pytest.raises(ValueError, match='bad.mat: not a PASCAL-Part'):
        load_tool('pascal_person_part').convert_mat(str(bad))

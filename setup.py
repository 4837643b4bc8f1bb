import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

# Files that `mim` (openmim) looks for in mmhtc/.mim: the configs, the scripts it
# runs (tools/train.py, tools/test.py) and the model index with the metafiles.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def read_version() -> str:
    scope: dict = {}
    with open('mmhtc/version.py', encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


def add_mim_extension() -> None:
    """Put configs/, tools/ and model-index.yml into mmhtc/.mim, as mmseg does.

    Symbolic links for editable installs (``develop``, and pip's PEP 660
    ``editable_wheel``), copies for source and wheel distributions (``sdist``,
    ``bdist_wheel``); other commands leave mmhtc/.mim alone, and so does a build
    from a source distribution, which has mmhtc/.mim but not the originals.
    """
    if {'develop', 'editable_wheel'} & set(sys.argv):
        link = True
    elif {'sdist', 'bdist_wheel'} & set(sys.argv):
        link = False
    else:
        return
    root = osp.dirname(osp.abspath(__file__))
    mim_dir = osp.join(root, 'mmhtc', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(root, name)
        dst = osp.join(mim_dir, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if link:
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


add_mim_extension()
setup(
    name='mmhtc',
    version=read_version(),
    description='Joint human parsing, pose estimation and human edge detection '
    '(HTCorrM, NPPNet) for MMSegmentation and MMPose',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(include=['mmhtc', 'mmhtc.*']),
    include_package_data=True,
    python_requires='>=3.9',
    install_requires=[
        'mmengine>=0.10,<1',
        'mmcv>=2.0,<2.2',
        'mmsegmentation>=1.2,<1.3',
        'mmpose>=1.3,<1.4',
        'numpy>=1.21',
        'opencv-python-headless>=4.5',
        'scikit-image>=0.19',
        'scipy>=1.7',
    ],
    extras_require={'tests': ['pytest>=7', 'pyedgeeval']},
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    zip_safe=False,
)

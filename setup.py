from setuptools import find_packages, setup


def read_version() -> str:
    scope: dict = {}
    with open('mmhtc/version.py', encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmhtc',
    version=read_version(),
    description='Joint human parsing, pose estimation and human edge detection '
    '(HTCorrM, NPPNet) for MMSegmentation and MMPose',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(include=['mmhtc', 'mmhtc.*']),
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

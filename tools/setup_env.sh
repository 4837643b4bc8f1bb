#!/usr/bin/env bash
# Create .venv/ in the repository root with the OpenMMLab 1.x stack on a CPU machine
# that has only Python 3.11, pip and gcc, install mmhtc editable with its `mim`
# files (openmim), the test tools and the lint tools.
#
# mmcv 2.1.0 ships as source only; its C++ ops are compiled once (about 10 minutes on
# two cores) and the wheel is cached in $MMHTC_CACHE (default ~/.cache/mmhtc), so a
# later run on the same machine reuses it. A run whose venv is already complete and
# whose pins have not changed returns in seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
VENV="$ROOT/.venv"
CACHE="${MMHTC_CACHE:-$HOME/.cache/mmhtc}"

TORCH=2.14.1
TORCHVISION=0.29.1
MMCV=2.1.0
# torch >= 2.6 headers need C++20; mmcv 2.1.0's setup.py hard-codes C++17.
MMCV_CXX_STD=c++20

BUILD_TOOLS=("setuptools>=77.0.3,<81" wheel ninja psutil Cython "numpy>=1.24,<2.3")
OPENMMLAB=(mmengine==0.10.7 mmsegmentation==1.2.2 mmpose==1.3.2 mmdet==3.3.0 openmim==0.3.9)
# Runtime dependencies of the packages above, listed by hand because they are installed
# with --no-deps: mmpose declares chumpy (does not import on Python 3.11, never used) and
# an unpinned torchvision that would pull a second torch; openmim declares opendatalab
# (a dataset client that only `mim download --dataset` runs; it pulls in the openxlab
# client and its pins). The last line is what mim imports.
RUNTIME=(addict "matplotlib>=3.7,<3.11" "opencv-python-headless>=4.8,<5" "pillow>=9,<12"
         "scipy>=1.10,<1.16" shapely six ftfy regex json-tricks munkres pycocotools
         prettytable terminaltables rich termcolor yapf tqdm PyYAML packaging platformdirs
         scikit-image
         click colorama model-index "pandas>=2.2,<4" requests tabulate)
TEST_TOOLS=("pytest>=7,<9" pyedgeeval onnx==1.23.2 onnxruntime==1.32.0 onnxscript==0.7.2)
# The code gate of .pre-commit-config.yaml, run by .ci/run before the tests
# (docformatter 1.7.5: later 1.7.x fail in tokenize.untokenize on some files).
LINT_TOOLS=(pre-commit==4.7.0 flake8==7.5.0 isort==9.0.2 yapf==0.43.0 codespell==2.4.3
            docformatter==1.7.5)

STAMP="$VENV/.mmhtc-setup"
SIGNATURE="$(cat "$0" "$ROOT/setup.py" | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$SIGNATURE" ]]; then
    echo "setup_env: $VENV is up to date"
    exit 0
fi

[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
export PIP_NO_INPUT=1
# Expected pip messages, dropped: package indexes of the machine that lack a package,
# and the requirements left out on purpose (chumpy, opendatalab; opencv-python,
# replaced by its headless build).
EXPECTED_NOISE='is ignored: it is neither a file nor a directory'
EXPECTED_NOISE+='|dependency resolver does not currently take into account'
EXPECTED_NOISE+='|requires (chumpy|opencv-python|opendatalab)'
pip_run() { "${PIP[@]}" "$@" 2> >(grep -Ev "$EXPECTED_NOISE" >&2); }

pip_run install -q "torch==$TORCH" "torchvision==$TORCHVISION" "${BUILD_TOOLS[@]}"

mkdir -p "$CACHE"
PY_TAG="$("$VENV/bin/python" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')"
build_wheel() {  # name version: compile a source-only package once into $CACHE
    local name="$1" version="$2"
    local tag="torch$TORCH-$PY_TAG-$(uname -m)"
    local dest="$CACHE/$name-$version-$tag"
    if ! ls "$dest"/*.whl >/dev/null 2>&1; then
        local work
        work="$(mktemp -d)"
        pip_run download -q --no-deps --no-build-isolation --no-binary :all: -d "$work" "$name==$version"
        tar -xzf "$work"/*.tar.gz -C "$work"
        local src
        src="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
        if [[ "$name" == mmcv ]]; then
            sed -i "s/-std=c++17/-std=$MMCV_CXX_STD/g" "$src/setup.py"
        fi
        echo "setup_env: compiling $name $version (cached in $dest)"
        MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
            pip_run wheel -q --no-deps --no-build-isolation -w "$work/dist" "$src"
        mkdir -p "$dest"
        mv "$work"/dist/*.whl "$dest/"
        rm -rf "$work"
    fi
    pip_run install -q --no-deps "$dest"/*.whl
}
build_wheel mmcv "$MMCV"
# The PyPI wheel of xtcocotools is built against numpy 1 and fails to import on numpy 2.
build_wheel xtcocotools 1.14.3

pip_run install -q --no-deps "${OPENMMLAB[@]}"
pip_run install -q "${RUNTIME[@]}" "${TEST_TOOLS[@]}" "${LINT_TOOLS[@]}"
# setup.py links configs/, tools/ and model-index.yml into mmhtc/.mim for the editable
# install. mim looks for a package's files at <location of its metadata>/mmhtc, which
# for a PEP 660 editable install is site-packages: link the source package there.
pip_run install -q --no-deps --no-build-isolation -e "$ROOT"
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
ln -sfn "$ROOT/mmhtc" "$SITE/mmhtc"

"$VENV/bin/python" - <<'PY'
import os.path as osp
import warnings
warnings.filterwarnings('ignore', 'pkg_resources is deprecated')  # mim, mmengine
import mim, mmcv.ops, mmdet, mmhtc, mmpose, mmseg, torchvision  # noqa: F401
assert osp.isfile(osp.join(mim.utils.get_installed_path('mmhtc'), '.mim',
                           'model-index.yml')), 'mmhtc/.mim is missing'
print('setup_env: mmcv', mmcv.__version__, 'mmseg', mmseg.__version__,
      'mmpose', mmpose.__version__, 'mmhtc', mmhtc.__version__)
PY
echo "$SIGNATURE" > "$STAMP"

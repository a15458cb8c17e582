#!/bin/sh
# install-venv.sh REQUIREMENTS [VENV]: a virtualenv (default /opt/venv) with exactly
# one requirement file, hash-checked (uv refuses a dependency the file does not pin),
# and the project itself without dependencies. The Dockerfile's build stages run it;
# tests/integration/test_images.py runs it into throwaway virtualenvs.
# torch is the CPU build: a local wheel folder when there is one, else PyTorch's CPU index;
# NIVESH_TORCH=cuda: PyPI's (CUDA) build, as nivesh-component-gpu's set pins it.
# NIVESH_STEP=deps installs only the requirement file, NIVESH_STEP=project only the project (the
# Dockerfile runs them as two layers, so that a change to the code reinstalls no dependency);
# unset, both.
set -eu
step=${NIVESH_STEP:-all}
# a CA bundle passed as the build secret `ca` (a TLS-intercepting proxy's), for uv's downloads
if [ -s /run/secrets/ca ]; then export SSL_CERT_FILE=/run/secrets/ca; fi
requirements=$1
venv=${2:-/opt/venv}
wheels=${TORCH_WHEELS:-/opt/wheels}
if [ "${NIVESH_TORCH:-cpu}" = cuda ]; then
  set --  # the CUDA build: PyPI's torch, as the set pins it
elif [ -d "$wheels" ]; then
  set -- --find-links "$wheels"
else
  set -- --extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match
fi
if [ "$step" != project ]; then
  python3 -m venv --without-pip "$venv"  # uv installs into it; pip itself is not needed
  uv pip install -q --python "$venv/bin/python" --require-hashes "$@" -r "$requirements"
  # the test suites of the scientific libraries (about 50 MB of the tabular predictor's image),
  # which nothing imports; only these: some packages ship runtime code in a folder of that name
  # (evidently.legacy.tests is Evidently's test-suite API)
  for lib in pandas scipy numpy pyarrow; do
    find "$venv"/lib/python3*/site-packages/$lib -type d -name tests -prune -exec rm -rf {} + 2>/dev/null || true
  done
fi
[ "$step" = deps ] && exit 0
uv pip install -q --python "$venv/bin/python" --no-deps "$@" .
# Bytecode for what the image runs, written at build time by importing it: the pod's root
# filesystem is read-only, so a container could never cache its own .pyc and would compile
# every import at each cold start. Compiling every installed file instead (uv's
# --compile-bytecode) added a quarter to an image's size for modules it never imports.
# NIVESH_IMAGE names the image (nivesh.cluster.images); unset, nothing is compiled.
if [ -n "${NIVESH_IMAGE:-}" ]; then
  cd /tmp && env -u PYTHONDONTWRITEBYTECODE NIVESH_HOME=/tmp/nivesh-build "$venv/bin/python" -c \
    'import importlib, sys; from nivesh.cluster import images; [importlib.import_module(m) for m in images.get(sys.argv[1]).imports]' \
    "$NIVESH_IMAGE"
  rm -rf /tmp/nivesh-build
fi

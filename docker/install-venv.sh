#!/bin/sh
# install-venv.sh REQUIREMENTS [VENV]: a virtualenv (default /opt/venv) with exactly
# one requirement file, hash-checked (uv refuses a dependency the file does not pin),
# and the project itself without dependencies. The Dockerfile's build stages run it;
# tests/integration/test_images.py runs it into throwaway virtualenvs.
# torch is the CPU build: a local wheel folder when there is one, else PyTorch's CPU index.
set -eu
requirements=$1
venv=${2:-/opt/venv}
python3 -m venv --without-pip "$venv"  # uv installs into it; pip itself is not needed
wheels=${TORCH_WHEELS:-/opt/wheels}
if [ -d "$wheels" ]; then
  set -- --find-links "$wheels"
else
  set -- --extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match
fi
# Bytecode compiled at build time: the pod's root filesystem is read-only, so a container
# could never cache its own .pyc and would compile every import at each cold start.
# NIVESH_COMPILE_BYTECODE=0 skips it (tests/integration/test_images.py imports a few modules once).
if [ "${NIVESH_COMPILE_BYTECODE:-1}" != 0 ]; then set -- "$@" --compile-bytecode; fi
uv pip install -q --python "$venv/bin/python" --require-hashes "$@" -r "$requirements"
uv pip install -q --python "$venv/bin/python" --no-deps "$@" .

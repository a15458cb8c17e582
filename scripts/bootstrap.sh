#!/usr/bin/env bash
# Set up everything the project needs from a fresh clone: the Debian services it
# runs (installed when missing and we are root, otherwise named with the fix) and
# .venv with the locked Python dependencies. Idempotent: a stamp file skips the
# Python install when requirements.lock has not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
PYTHON=${PYTHON:-python3}
DEBIAN_PACKAGES=(redis-server postgresql prometheus prometheus-pushgateway prometheus-alertmanager wrk)
# binary that proves each package is present
declare -A BINARY=(
  [redis-server]=redis-server [postgresql]=pg_ctlcluster [prometheus]=prometheus
  [prometheus-pushgateway]=prometheus-pushgateway [prometheus-alertmanager]=prometheus-alertmanager
  [wrk]=wrk
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  command -v "${BINARY[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    # the packages start daemons on their default ports; the project starts its own
    for svc in prometheus prometheus-pushgateway prometheus-alertmanager; do
      (service "$svc" stop || true) >/dev/null 2>&1
    done
  else
    echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
    echo "bootstrap: install them with: sudo apt-get install ${missing[*]}" >&2
    echo "bootstrap: (tests that need them skip with this reason)" >&2
  fi
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "bootstrap: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.lock-$(sha256sum requirements.lock pyproject.toml scripts/bootstrap.sh | sha256sum | cut -c1-16)
if [[ ! -f $stamp ]]; then
  echo "bootstrap: installing locked dependencies into .venv"
  .venv/bin/python -m pip install -q "uv==${UV_VERSION}"
  # torch is the CPU build (2.13.0+cpu): a local wheel folder when the machine has one,
  # else PyTorch's CPU index. The lock's hash pins the exact file either way.
  torch_source=(--extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match)
  [[ -d ${TORCH_WHEELS:-/opt/wheels} ]] && torch_source=(--find-links "${TORCH_WHEELS:-/opt/wheels}")
  # --compile-bytecode: every server, pipeline step and CLI run starts a fresh interpreter, and
  # where PYTHONDONTWRITEBYTECODE is set (this machine, CI) none would ever cache its .pyc:
  # each process compiled its libraries again (measured: 9.7 s -> 3.5 s to import the training
  # steps, 133 s -> 69 s for benchmarks/model_speed.py --smoke). Costs about a minute, once.
  .venv/bin/uv pip install -q --python .venv/bin/python --require-hashes --compile-bytecode "${torch_source[@]}" \
    -r requirements.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
  rm -f .venv/.lock-*
  touch "$stamp"
fi

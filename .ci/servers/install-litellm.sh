#!/usr/bin/env bash
# Installs the LiteLLM proxy (PyPI `litellm[proxy]`, pinned) into a virtualenv
# for the AI gateway tests (`mosaic_testing::AiGatewayServer`).
#
#   bash .ci/servers/install-litellm.sh
#
# Target: ${MOSAIC_SERVERS_DIR:-<workspace>/target/test-servers}/litellm.
# Idempotent: when that virtualenv already holds the pinned version it does
# nothing. Needs python3 (3.9+) with the venv module and access to PyPI.
set -euo pipefail

LITELLM_VERSION="1.81.13"

workspace="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
servers_dir="${MOSAIC_SERVERS_DIR:-$workspace/target/test-servers}"
venv="$servers_dir/litellm"
python="${PYTHON:-python3}"

installed_version() {
    [ -x "$venv/bin/python" ] && [ -x "$venv/bin/litellm" ] || return 1
    "$venv/bin/python" - <<'PY' 2>/dev/null
from importlib.metadata import version
print(version("litellm"))
PY
}

if [ "$(installed_version || true)" = "$LITELLM_VERSION" ]; then
    echo "litellm $LITELLM_VERSION already installed in $venv"
    exit 0
fi

if ! command -v "$python" >/dev/null 2>&1; then
    echo "install-litellm: $python not found; install Python 3 with its venv module" >&2
    exit 1
fi

mkdir -p "$servers_dir"
if [ ! -x "$venv/bin/python" ]; then
    echo "creating a virtualenv in $venv"
    if ! "$python" -m venv "$venv"; then
        rm -rf "$venv"
        echo "install-litellm: '$python -m venv' failed (on Debian: apt-get install python3-venv)" >&2
        exit 1
    fi
fi

echo "installing litellm[proxy]==$LITELLM_VERSION into $venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "litellm[proxy]==$LITELLM_VERSION"

got="$(installed_version || true)"
if [ "$got" != "$LITELLM_VERSION" ]; then
    echo "install-litellm: expected litellm $LITELLM_VERSION in $venv, found '${got:-nothing}'" >&2
    exit 1
fi
echo "litellm $LITELLM_VERSION installed: $venv/bin/litellm"

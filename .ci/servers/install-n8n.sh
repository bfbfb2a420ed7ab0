#!/usr/bin/env bash
# Installs the n8n workflow engine (npm `n8n`, pinned) for the n8n tests
# against a real server (`mosaic_testing::N8nServer`).
#
#   bash .ci/servers/install-n8n.sh
#
# Target: ${MOSAIC_SERVERS_DIR:-<workspace>/target/test-servers}/n8n, with the
# binary at node_modules/.bin/n8n. Idempotent: when that folder already holds
# the pinned version it does nothing. Needs node and npm with access to the
# npm registry only: the install pins n8n's `xlsx` dependency (otherwise
# fetched from a CDN) to the registry's release through `overrides`.
#
# The version is the newest n8n whose `engines.node` accepts Node 20
# (n8n 2.10 and later ask for Node 22 or 24).
set -euo pipefail

N8N_VERSION="2.8.4"
XLSX_VERSION="0.18.5"

workspace="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
servers_dir="${MOSAIC_SERVERS_DIR:-$workspace/target/test-servers}"
dir="$servers_dir/n8n"

installed_version() {
    local manifest="$dir/node_modules/n8n/package.json"
    [ -x "$dir/node_modules/.bin/n8n" ] && [ -f "$manifest" ] || return 1
    node -e 'process.stdout.write(require(process.argv[1]).version)' "$manifest" 2>/dev/null
}

if [ "$(installed_version || true)" = "$N8N_VERSION" ]; then
    echo "n8n $N8N_VERSION already installed in $dir"
    exit 0
fi

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "install-n8n: $tool not found; install Node.js 20.19+ with npm" >&2
        exit 1
    fi
done

# n8n 2.8 declares `node >=20.19 <=24.x`.
node_version="$(node -p 'process.versions.node')"
if ! node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit((major === 20 && minor >= 19) || (major > 20 && major <= 24) ? 0 : 1);
'; then
    echo "install-n8n: n8n $N8N_VERSION needs Node.js 20.19 to 24.x, found $node_version" >&2
    exit 1
fi

mkdir -p "$dir"
# A package.json of our own pins n8n and redirects xlsx to the registry.
cat >"$dir/package.json" <<JSON
{
  "name": "mosaic-test-n8n",
  "private": true,
  "description": "n8n for Mosaic's tests against a real server (installed by .ci/servers/install-n8n.sh)",
  "dependencies": {
    "n8n": "$N8N_VERSION"
  },
  "overrides": {
    "xlsx": "$XLSX_VERSION"
  }
}
JSON

echo "installing n8n@$N8N_VERSION into $dir (npm, a few minutes)"
(
    cd "$dir"
    npm install --no-audit --no-fund --loglevel=error >/dev/null
)

got="$(installed_version || true)"
if [ "$got" != "$N8N_VERSION" ]; then
    echo "install-n8n: expected n8n $N8N_VERSION in $dir, found '${got:-nothing}'" >&2
    exit 1
fi
echo "n8n $N8N_VERSION installed: $dir/node_modules/.bin/n8n"

#!/usr/bin/env bash
# End-to-end check of `mosaic mcp FILE` with the MCP Inspector's CLI (the
# reference client of the Model Context Protocol project), over stdio:
# the tool list follows `[mcp]`, an allowed write runs, a write that is not
# allowed is refused as a tool error. In-memory providers; no credentials.
#
# Needs node and npm (npx fetches the Inspector from the npm registry).
# Inspector 0.14.3 is pinned: later releases need Node >= 22.7.5.
set -euo pipefail
cd "$(dirname "$0")/.."

INSPECTOR="@modelcontextprotocol/inspector@0.14.3"

if ! command -v npx >/dev/null 2>&1; then
    echo "mcp-inspector: npx not found (install node and npm: apt-get install -y nodejs npm)" >&2
    exit 1
fi

cargo build -q -p mosaic-cli
MOSAIC="${CARGO_TARGET_DIR:-$PWD/target}/debug/mosaic"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/mosaic.toml" <<'EOF'
[providers.forge]
kind = "fake-git"
stack = { timeout = "5s", retry = { attempts = 2 } }

[cache]
ttl = "60s"

[mcp]
allow = ["git.repository.create"]
tenant = "acme"
EOF

inspect() {
    (cd "$WORK" && npx -y "$INSPECTOR" --cli "$MOSAIC" mcp "$WORK/mosaic.toml" "$@")
}

passed=0
failed=0
expect() { # name, output, needle, [absent-needle]
    if [[ "$2" == *"$3"* ]] && { [[ -z "${4:-}" ]] || [[ "$2" != *"$4"* ]]; }; then
        echo "  ok   $1"
        passed=$((passed + 1))
    else
        echo "  FAIL $1"
        printf '%s\n' "$2" | head -40
        failed=$((failed + 1))
    fi
}

list="$(inspect --method tools/list)"
expect "tools/list: reads and the allowed write" "$list" '"name": "git_repository_create"' '"name": "git_repository_delete"'
expect "tools/list: read tools carry read-only hints" "$list" '"readOnlyHint": true'

created="$(inspect --method tools/call --tool-name git_repository_create \
    --tool-arg owner=acme --tool-arg name=tools --tool-arg visibility=private --tool-arg auto_init=true)"
expect "tools/call: an allowed write runs" "$created" '"full_name": "acme/tools"' '"isError": true'

refused="$(inspect --method tools/call --tool-name git_repository_delete \
    --tool-arg owner=acme --tool-arg name=tools)"
expect "tools/call: a write that is not allowed is refused" "$refused" '"kind": "permission_denied"'

missing="$(inspect --method tools/call --tool-name git_repository_get \
    --tool-arg owner=acme --tool-arg name=nothing)"
expect "tools/call: a provider error is a tool error with its kind" "$missing" '"kind": "not_found"'

echo "mcp-inspector: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

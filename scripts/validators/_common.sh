# Sourced by the validator scripts in this folder. Sets up (once) a Python venv and a
# node_modules folder under $VALIDATORS_CACHE (default ~/.cache/embargo-validators), with
# pinned versions of the official validators. scripts/install-test-deps.sh runs
# `scripts/validators/install.sh` so the test suite never installs mid-run.
# Set VALIDATORS_QUIET=1 to silence the one-time install messages.

VALIDATORS_CACHE="${VALIDATORS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/embargo-validators}"
VALIDATORS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The schemas are copied into the repository (tests/data/schemas, see its README).
SCHEMAS_DIR="${SCHEMAS_DIR:-$(cd "$VALIDATORS_DIR/../../tests/data/schemas" && pwd)}"
export VALIDATORS_CACHE VALIDATORS_DIR SCHEMAS_DIR

# Pinned versions.
PY_PKGS="cvss==3.6 sectxt==0.9.8 jsonschema[format-nongpl]==4.26.0 cvelib==1.8.0 csaf-check==0.1.1 PyYAML==6.0.3"
NPM_PKGS="@secvisogram/csaf-validator-lib@2.0.10"

_validators_log() { [ -n "${VALIDATORS_QUIET:-}" ] || echo "[validators] $*" >&2; }

ensure_venv() {
    local venv="$VALIDATORS_CACHE/venv"
    local stamp="$venv/.validators-$(echo "$PY_PKGS" | md5sum | cut -c1-12)"
    if [ ! -f "$stamp" ]; then
        command -v python3 >/dev/null || { echo "ERROR: python3 is not installed (scripts/install-test-deps.sh installs it)" >&2; return 2; }
        mkdir -p "$VALIDATORS_CACHE"
        _validators_log "creating venv in $venv ($PY_PKGS)"
        [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2 || { echo "ERROR: python3 -m venv failed (scripts/install-test-deps.sh installs python3-venv)" >&2; return 2; }
        "$venv/bin/pip" install -q --disable-pip-version-check $PY_PKGS >&2 || { echo "ERROR: pip install of $PY_PKGS failed" >&2; return 2; }
        touch "$stamp"
    fi
    PY="$venv/bin/python"
    export PY
}

ensure_node() {
    local dir="$VALIDATORS_CACHE/node"
    local stamp="$dir/.validators-$(echo "$NPM_PKGS" | md5sum | cut -c1-12)"
    command -v node >/dev/null || { echo "ERROR: node is not installed (scripts/install-test-deps.sh installs it)" >&2; return 2; }
    if [ ! -f "$stamp" ]; then
        mkdir -p "$dir"
        _validators_log "installing $NPM_PKGS into $dir/node_modules"
        ( cd "$dir" && { [ -f package.json ] || echo '{"name":"embargo-validators-cache","private":true}' > package.json; } \
          && npm install --no-audit --no-fund --loglevel=error $NPM_PKGS >&2 ) || { echo "ERROR: npm install of $NPM_PKGS failed" >&2; return 2; }
        touch "$stamp"
    fi
    NODE_CACHE_DIR="$dir"
    export NODE_CACHE_DIR
}

need_file() {
    if [ -z "${1:-}" ]; then echo "usage: $(basename "$0") FILE" >&2; exit 64; fi
    if [ ! -f "$1" ]; then echo "ERROR: no such file: $1" >&2; exit 66; fi
}

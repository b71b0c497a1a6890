#!/usr/bin/env bash
# Install the pinned official validators into $VALIDATORS_CACHE (idempotent).
# Called by scripts/install-test-deps.sh; needs python3 with venv, node and npm.
set -euo pipefail
. "$(dirname "$0")/_common.sh"
ensure_venv
ensure_node
_validators_log "validators ready in $VALIDATORS_CACHE"

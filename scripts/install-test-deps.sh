#!/usr/bin/env bash
# Install the system tools the test suite runs for real: GnuPG (interop
# tests), Python 3 with venv, Node and npm (the official validators, pinned, through
# scripts/validators/install.sh), Chromium and playwright-core (browser tests).
# Idempotent; uses apt when something is missing, sudo when not root.
set -euo pipefail

log() { echo "install-test-deps.sh: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v gpg >/dev/null 2>&1 || missing+=(gnupg)
command -v gpgconf >/dev/null 2>&1 || missing+=(gnupg)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (apt)"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >&2
fi
# Playwright (its core only: it drives the Chromium installed above, it downloads no browser)
# and axe-core (the accessibility checks), pinned in tests/browser/package-lock.json.
browser_dir="$(dirname "$0")/../tests/browser"
if [ ! -d "$browser_dir/node_modules/playwright-core" ] || [ ! -d "$browser_dir/node_modules/axe-core" ]; then
    log "installing playwright-core and axe-core (npm ci)"
    (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
# The official validators (pinned PyPI and npm packages) into their cache.
VALIDATORS_QUIET="${VALIDATORS_QUIET:-}" "$(dirname "$0")/validators/install.sh"
log "gpg $(gpg --version | head -n 1 | awk '{print $3}'), $(python3 --version), $(chromium --version 2>/dev/null | head -n 1), node $(node --version)"

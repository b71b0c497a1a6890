#!/usr/bin/env bash
# Install the system tools the test suite runs for real: GnuPG (interop
# tests) and Python 3 with venv (the official validators under ../shared).
# Idempotent; uses apt when something is missing, sudo when not root.
set -euo pipefail

log() { echo "install-test-deps.sh: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v gpg >/dev/null 2>&1 || missing+=(gnupg)
command -v gpgconf >/dev/null 2>&1 || missing+=(gnupg)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (apt)"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >&2
fi
log "gpg $(gpg --version | head -n 1 | awk '{print $3}'), $(python3 --version)"

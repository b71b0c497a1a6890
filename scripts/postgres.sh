#!/usr/bin/env bash
# Make a PostgreSQL server available for the test suite, then print the
# `export EMBARGO_TEST_POSTGRES_URL=…` line for it on stdout.
#
#   eval "$(scripts/postgres.sh)"
#
# Installs Debian's postgresql if it is missing, starts the cluster if it is
# stopped, and (re)creates the role `embargo` and the database
# `embargo_test`, which the tests fill with one schema per test.
# Progress goes to stderr so stdout stays evaluable.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

if [ -n "${EMBARGO_TEST_POSTGRES_URL:-}" ]; then
    log "using EMBARGO_TEST_POSTGRES_URL from the environment"
    printf 'export EMBARGO_TEST_POSTGRES_URL=%q\n' "$EMBARGO_TEST_POSTGRES_URL"
    exit 0
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing PostgreSQL (apt)"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
if [ -z "$version" ]; then
    log "no cluster found; creating one"
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    as_root pg_createcluster "$version" main >&2
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "starting cluster $version/main"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
fi
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
done
pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL did not come up on 127.0.0.1:5432"; exit 1; }

psql_admin() { as_root runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q "$@"; }
psql_admin -c "DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'embargo') THEN
    CREATE ROLE embargo LOGIN PASSWORD 'embargo';
  END IF;
END\$\$;" >&2
psql_admin -c "DROP DATABASE IF EXISTS embargo_test WITH (FORCE)" >&2
psql_admin -c "CREATE DATABASE embargo_test OWNER embargo" >&2
log "database embargo_test ready"
echo "export EMBARGO_TEST_POSTGRES_URL=postgres://embargo:embargo@127.0.0.1:5432/embargo_test"

#!/usr/bin/env bash
# Install and configure Postfix (Debian's package) as the MTA in front of
# `embargo mail ingest`, the way docs/mail.md tells operators to, for the
# test suite (tests/it/postfix.rs): SMTP on 127.0.0.1:2525, a pipe(8)
# transport for the project addresses and the per-case reply addresses, and
# recipients nobody routes rejected at SMTP time.
#
#   scripts/postfix.sh            # install (apt) if missing, configure, (re)start
#
# The pipe runs as the unprivileged user `embargo-mta` with
# `embargo --config /var/lib/embargo-postfix-test/embargo.toml mail ingest`;
# the test writes that file (it names the database) and points the binary
# link /var/lib/embargo-postfix-test/embargo at the build under test.
# It takes over /etc/postfix only on a machine where Postfix carries no other
# configuration (a fresh install, or one this script made).
set -euo pipefail

log() { echo "postfix.sh: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

MARK="# managed by embargo scripts/postfix.sh"
DIR=/var/lib/embargo-postfix-test

if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ]; then
    log "installing postfix (apt)"
    echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postfix >&2
fi
if [ -f /etc/postfix/main.cf ] && ! grep -qF "$MARK" /etc/postfix/main.cf; then
    log "/etc/postfix/main.cf is someone else's configuration; not touching it"
    exit 1
fi

id embargo-mta >/dev/null 2>&1 || as_root useradd --system --no-create-home --shell /usr/sbin/nologin embargo-mta
as_root mkdir -p "$DIR"
as_root chmod 755 "$DIR"

as_root tee /etc/postfix/main.cf >/dev/null <<CONF
$MARK
compatibility_level = 3.6
myhostname = mx.embargo.test
mydomain = embargo.test
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
# The project domains: accepted for the listed addresses only, handed to the pipe.
relay_domains = demo.example, security.example.org
relay_recipient_maps = hash:/etc/postfix/embargo_recipients
transport_maps = hash:/etc/postfix/embargo_transport
recipient_delimiter = +
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
# Deferred mail is retried soon (the test flushes the queue itself).
minimal_backoff_time = 10s
maximal_backoff_time = 60s
queue_run_delay = 10s
embargo_destination_recipient_limit = 1
smtputf8_enable = yes
maillog_file = /var/log/postfix.log
CONF

# master.cf: Debian's services, with SMTP on 127.0.0.1:2525 instead of 25, and the pipe.
as_root tee /etc/postfix/master.cf >/dev/null <<CONF
$MARK
127.0.0.1:2525 inet n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# docs/mail.md, "Postfix": the pipe into embargo mail ingest (exit 75 defers).
embargo   unix  -       n       n       -       4       pipe
  flags=Rq user=embargo-mta argv=$DIR/embargo --config $DIR/embargo.toml mail ingest
CONF

as_root tee /etc/postfix/embargo_transport >/dev/null <<CONF
security@demo.example            embargo:
embargo@security.example.org     embargo:
CONF
as_root tee /etc/postfix/embargo_recipients >/dev/null <<CONF
security@demo.example            OK
embargo@security.example.org     OK
CONF
as_root postmap /etc/postfix/embargo_transport /etc/postfix/embargo_recipients
as_root newaliases 2>/dev/null || true
as_root postfix check
if as_root postfix status >/dev/null 2>&1; then
    as_root postfix reload >&2
else
    as_root postfix start >&2
fi
log "Postfix $(postconf -h mail_version) listening on 127.0.0.1:2525, pipe user embargo-mta, config dir $DIR"

-- OpenPGP keys (project keys, team members' signing keys, recipients' public keys)
-- and the durable mail outbox.

CREATE TABLE openpgp_keys (
    id            BIGSERIAL PRIMARY KEY,
    owner_kind    TEXT NOT NULL,       -- 'project' | 'user' | 'recipient'
    owner_id      BIGINT,              -- projects.id / users.id; NULL for recipients
    label         TEXT NOT NULL,       -- what the key is for (an address)
    fingerprint   TEXT NOT NULL,
    public_key    TEXT NOT NULL,       -- ASCII-armored certificate
    secret_sealed TEXT,                -- sealed transferable secret key (see src/vault.rs), NULL if public only
    created_at    BIGINT NOT NULL,
    retired_at    BIGINT               -- replaced by a newer key; kept to read old mail
);
CREATE INDEX openpgp_keys_owner ON openpgp_keys(owner_kind, owner_id, retired_at);
CREATE INDEX openpgp_keys_fingerprint ON openpgp_keys(fingerprint);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    message_id      TEXT NOT NULL UNIQUE,  -- the Message-ID header, without angle brackets
    project_id      BIGINT,
    purpose         TEXT NOT NULL,         -- what the mail is for ('test', 'acknowledgement', ...)
    envelope_from   TEXT NOT NULL,
    recipients      TEXT NOT NULL,         -- JSON array of envelope recipients
    raw             BYTEA NOT NULL,        -- the complete RFC 5322 message
    status          TEXT NOT NULL,         -- 'queued' | 'sending' | 'sent' | 'failed'
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    leased_by       TEXT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

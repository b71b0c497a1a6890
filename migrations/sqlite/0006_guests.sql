-- Collaborators invited into one case: an upstream maintainer, another affected
-- project's team, a colleague of the reporter. Each holds a capability link (only
-- its SHA-256 is stored) that opens that case and nothing else, until removed.

CREATE TABLE case_guests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    email       TEXT NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,          -- upstream | affected-project | reporter-colleague | other
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  BIGINT REFERENCES users(id),
    invited_at  BIGINT NOT NULL,
    removed_at  BIGINT,
    last_seen_at BIGINT
);
CREATE INDEX case_guests_case ON case_guests(case_id);

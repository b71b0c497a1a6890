-- Cases: private reports, their reporter-visible thread and team-only notes,
-- attachments, and reporters refused by a project.

CREATE TABLE cases (
    id                 BIGSERIAL PRIMARY KEY,
    project_id         BIGINT NOT NULL REFERENCES projects(id),
    state              TEXT NOT NULL,
    summary            TEXT NOT NULL,
    reporter_email     TEXT,
    reporter_name      TEXT,
    reporter_key       TEXT,            -- armored public key for encrypted replies
    wants_credit       BOOLEAN NOT NULL,
    credit_as          TEXT,
    token_hash         TEXT NOT NULL UNIQUE,   -- SHA-256 of the case link's secret
    reply_token_hash   TEXT NOT NULL UNIQUE,   -- SHA-256 of the plus-address token
    source             TEXT NOT NULL,          -- 'web' | 'mail'
    source_message_id  TEXT UNIQUE,            -- Message-ID of the mail that opened it (idempotent ingest)
    received_at        BIGINT NOT NULL,
    acknowledge_due_at BIGINT,
    acknowledged_at    BIGINT,
    spam_at            BIGINT
);
CREATE INDEX cases_project ON cases(project_id, state, received_at);

CREATE TABLE case_messages (
    id             BIGSERIAL PRIMARY KEY,
    case_id        BIGINT NOT NULL REFERENCES cases(id),
    author         TEXT NOT NULL,   -- 'reporter' | 'team' | 'system'
    author_user_id BIGINT,
    visibility     TEXT NOT NULL,   -- 'thread' (reporter sees it) | 'team' (notes)
    body           TEXT NOT NULL,
    message_id     TEXT UNIQUE,     -- the mail it came in as or went out as
    created_at     BIGINT NOT NULL
);
CREATE INDEX case_messages_case ON case_messages(case_id, id);

CREATE TABLE case_attachments (
    id           BIGSERIAL PRIMARY KEY,
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    message_id   BIGINT REFERENCES case_messages(id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content      BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments(case_id);

CREATE TABLE banned_reporters (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    email      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, email)
);

-- The notification list's request-and-review process and the public announce list.
--
-- list_requests: an application to the confidential pre-notification list, with the
-- policy's required answers, the key (validated when it came in), the applicant's
-- private link (SHA-256 of its secret), and the decision with its clock. The reviewer's
-- flags are not stored: they are computed from the answers and the list when shown.
-- list_request_attempts: incomplete submissions, recorded by address, because a
-- policy may count a failure to provide the required information against the request.
-- list_key_changes: a member's new key waiting for the confirmation mailed to them.
-- announce_subscribers: the public announce list (double opt-in). Its confirmation and
-- unsubscribe links are HMACs of the subscriber id under an instance key, so nothing
-- secret is stored and any process can check them.

CREATE TABLE list_requests (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id       BIGINT NOT NULL REFERENCES projects(id),
    email            TEXT NOT NULL,
    name             TEXT NOT NULL,
    organisation     TEXT NOT NULL,
    org_role         TEXT NOT NULL,
    group_id         TEXT NOT NULL,
    individual       BOOLEAN NOT NULL,
    criteria         TEXT NOT NULL,
    reason           TEXT NOT NULL,
    address_handling TEXT NOT NULL,
    public_key       TEXT,
    key_id           TEXT NOT NULL,
    fingerprint      TEXT,
    link_hash        TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL,   -- 'unconfirmed' | 'pending' | 'more-info' | 'approved' | 'rejected'
    submitted_at     BIGINT NOT NULL,
    confirmed_at     BIGINT,
    decide_due_at    BIGINT,
    question         TEXT,
    answer           TEXT,
    decided_at       BIGINT,
    decided_by       BIGINT REFERENCES users(id),
    decision_note    TEXT,
    approved_group   TEXT,
    member_id        BIGINT REFERENCES list_members(id),
    reminded_at      BIGINT
);
CREATE INDEX list_requests_queue ON list_requests(project_id, status, decide_due_at);
CREATE INDEX list_requests_email ON list_requests(project_id, email);

CREATE TABLE list_request_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    email       TEXT NOT NULL,
    problems    TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX list_request_attempts_email ON list_request_attempts(project_id, email);

CREATE TABLE list_key_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id    BIGINT NOT NULL REFERENCES list_members(id),
    public_key   TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    requested_at BIGINT NOT NULL,
    applied_at   BIGINT
);

CREATE TABLE announce_subscribers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id      BIGINT NOT NULL REFERENCES projects(id),
    email           TEXT NOT NULL,
    status          TEXT NOT NULL,   -- 'unconfirmed' | 'subscribed' | 'unsubscribed'
    created_at      BIGINT NOT NULL,
    confirmed_at    BIGINT,
    unsubscribed_at BIGINT,
    UNIQUE (project_id, email)
);
CREATE INDEX announce_subscribers_current ON announce_subscribers(project_id, status);

-- A request to join the list sent by mail with the policy's `request_subject`: kept for
-- the team (the sender is pointed to the form, which asks each required item).
CREATE TABLE list_request_mails (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    sender      TEXT,
    sender_name TEXT,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    message_id  TEXT UNIQUE,
    received_at BIGINT NOT NULL
);
CREATE INDEX list_request_mails_project ON list_request_mails(project_id, received_at);

-- Conduct: strikes against a reporter (with the case and the reason); at the policy's
-- threshold the reporter is banned by address and by OpenPGP key. Lifting a ban
-- (administrators) marks the strikes lifted, so counting starts again.

CREATE TABLE reporter_strikes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id      BIGINT NOT NULL REFERENCES projects(id),
    case_id         BIGINT REFERENCES cases(id),
    email           TEXT,
    key_fingerprint TEXT,
    reason          TEXT NOT NULL,
    struck_by       BIGINT REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    lifted_at       BIGINT
);
CREATE INDEX reporter_strikes_email ON reporter_strikes(project_id, email);

CREATE TABLE banned_keys (
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    fingerprint TEXT NOT NULL,
    email       TEXT,
    reason      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (project_id, fingerprint)
);

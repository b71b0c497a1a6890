-- Coordinated disclosure: the schedule on the case (an instant plus the zone it was
-- stated in), the jobs that fire the pre-announcement, the pre-notification and the
-- publication, who was told what (so a new date reaches them again), the
-- confidential notification list's members, the advisory (a draft the team edits,
-- frozen into a JSON document at publication: public pages and exports read only
-- that), and the project's pool of reserved CVE IDs.

ALTER TABLE cases ADD COLUMN disclose_at BIGINT;
ALTER TABLE cases ADD COLUMN disclose_zone TEXT;
ALTER TABLE cases ADD COLUMN exploited_reason TEXT;
ALTER TABLE cases ADD COLUMN auto_publish BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN scheduled_by BIGINT REFERENCES users(id);
ALTER TABLE cases ADD COLUMN schedule_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN pre_announced_at BIGINT;
ALTER TABLE cases ADD COLUMN pre_notified_at BIGINT;
ALTER TABLE cases ADD COLUMN published_at BIGINT;

CREATE TABLE disclosure_jobs (
    id               BIGSERIAL PRIMARY KEY,
    case_id          BIGINT NOT NULL REFERENCES cases(id),
    project_id       BIGINT NOT NULL REFERENCES projects(id),
    kind             TEXT NOT NULL,      -- pre-announce | pre-notify | publish
    due_at           BIGINT NOT NULL,
    schedule_version BIGINT NOT NULL,
    status           TEXT NOT NULL,      -- pending | running | done | cancelled
    attempts         BIGINT NOT NULL DEFAULT 0,
    lease_until      BIGINT,
    leased_by        TEXT,
    fired_at         BIGINT,
    late_seconds     BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX disclosure_jobs_due ON disclosure_jobs(status, due_at);
CREATE INDEX disclosure_jobs_case ON disclosure_jobs(case_id);

CREATE TABLE disclosure_recipients (
    id         BIGSERIAL PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    kind       TEXT NOT NULL,            -- pre-announce | pre-notify
    address    TEXT NOT NULL,
    member_id  BIGINT,
    told_at    BIGINT NOT NULL
);
CREATE INDEX disclosure_recipients_case ON disclosure_recipients(case_id, kind);

CREATE TABLE list_members (
    id            BIGSERIAL PRIMARY KEY,
    project_id    BIGINT NOT NULL REFERENCES projects(id),
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    organisation  TEXT NOT NULL DEFAULT '',
    group_id      TEXT NOT NULL,
    public_key    TEXT,
    fingerprint   TEXT,
    approved_at   BIGINT NOT NULL,
    revoked_at    BIGINT,
    revoke_reason TEXT,
    UNIQUE (project_id, email)
);

CREATE TABLE advisories (
    case_id      BIGINT PRIMARY KEY REFERENCES cases(id),
    project_id   BIGINT NOT NULL REFERENCES projects(id),
    public_id    TEXT,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    description  TEXT NOT NULL,
    remedy       TEXT NOT NULL,
    workarounds  TEXT NOT NULL,
    fixed        TEXT NOT NULL,          -- fixed versions, one per line
    refs         TEXT NOT NULL,          -- reference URLs, one per line
    updated_at   BIGINT NOT NULL,
    published_at BIGINT,
    document     TEXT                    -- the published advisory (JSON), frozen at publication
);
CREATE UNIQUE INDEX advisories_public_id ON advisories(project_id, public_id);
CREATE INDEX advisories_published ON advisories(project_id, published_at);

CREATE TABLE cve_ids (
    cve_id      TEXT PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    case_id     BIGINT UNIQUE REFERENCES cases(id),  -- the case's CVE ID (the only place it is stored)
    imported_at BIGINT NOT NULL,
    assigned_at BIGINT
);
CREATE INDEX cve_ids_free ON cve_ids(project_id, case_id);

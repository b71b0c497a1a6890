-- The upstream track: a case that is a dependency's vulnerability records the
-- upstream, when it was contacted, its answers, and the policy's deadline; past it,
-- the case prompts the team for the policy's remedy (Pylons: workaround docs, then a
-- patched version).

ALTER TABLE cases ADD COLUMN upstream_name TEXT;
ALTER TABLE cases ADD COLUMN upstream_contact TEXT;
ALTER TABLE cases ADD COLUMN upstream_contacted_at BIGINT;
ALTER TABLE cases ADD COLUMN upstream_deadline_at BIGINT;
ALTER TABLE cases ADD COLUMN upstream_resolved_at BIGINT;

CREATE TABLE case_upstream_events (
    id         BIGSERIAL PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    kind       TEXT NOT NULL,     -- contacted | answer | released | remedy
    body       TEXT NOT NULL,
    user_id    BIGINT REFERENCES users(id),
    at         BIGINT NOT NULL
);
CREATE INDEX case_upstream_events_case ON case_upstream_events(case_id, id);

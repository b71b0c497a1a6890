-- Triage: the decision and its reasons, severity, assignee, the clocks after
-- acknowledgement, and full-text search over cases (tsvector + GIN, kept by triggers).

ALTER TABLE cases ADD COLUMN state_changed_at BIGINT;
ALTER TABLE cases ADD COLUMN decide_due_at BIGINT;
ALTER TABLE cases ADD COLUMN decided_at BIGINT;
ALTER TABLE cases ADD COLUMN decision_reason TEXT;
ALTER TABLE cases ADD COLUMN decision_note TEXT;
ALTER TABLE cases ADD COLUMN threat_answers TEXT;
ALTER TABLE cases ADD COLUMN duplicate_of BIGINT REFERENCES cases(id);
ALTER TABLE cases ADD COLUMN target_fix_due_at BIGINT;
ALTER TABLE cases ADD COLUMN disclosure_due_at BIGINT;
ALTER TABLE cases ADD COLUMN severity TEXT;
ALTER TABLE cases ADD COLUMN cvss3 TEXT;
ALTER TABLE cases ADD COLUMN cvss4 TEXT;
ALTER TABLE cases ADD COLUMN cvss_score DOUBLE PRECISION;
ALTER TABLE cases ADD COLUMN cwe BIGINT;
ALTER TABLE cases ADD COLUMN assignee_user_id BIGINT REFERENCES users(id);

CREATE INDEX cases_open ON cases(state, project_id);

CREATE TABLE case_search (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    body    TEXT NOT NULL,
    doc     tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);
CREATE INDEX case_search_doc ON case_search USING GIN (doc);
CREATE INDEX case_search_case ON case_search(case_id);
INSERT INTO case_search (case_id, body) SELECT id, summary FROM cases;
INSERT INTO case_search (case_id, body) SELECT case_id, body FROM case_messages;

CREATE FUNCTION case_search_case() RETURNS trigger AS $$
BEGIN
    INSERT INTO case_search (case_id, body) VALUES (NEW.id, NEW.summary);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER case_search_case AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION case_search_case();

CREATE FUNCTION case_search_message() RETURNS trigger AS $$
BEGIN
    INSERT INTO case_search (case_id, body) VALUES (NEW.case_id, NEW.body);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER case_search_message AFTER INSERT ON case_messages FOR EACH ROW EXECUTE FUNCTION case_search_message();

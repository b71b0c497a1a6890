-- Triage: the decision and its reasons, severity, assignee, the clocks after
-- acknowledgement, and full-text search over cases (FTS5, kept by triggers).

ALTER TABLE cases ADD COLUMN state_changed_at BIGINT;
ALTER TABLE cases ADD COLUMN decide_due_at BIGINT;
ALTER TABLE cases ADD COLUMN decided_at BIGINT;
ALTER TABLE cases ADD COLUMN decision_reason TEXT;      -- rejected: not-vulnerability | out-of-scope | unsupported-version | documented-behaviour
ALTER TABLE cases ADD COLUMN decision_note TEXT;        -- the team's explanation
ALTER TABLE cases ADD COLUMN threat_answers TEXT;       -- JSON: [{"id", "applies", "note"}]
ALTER TABLE cases ADD COLUMN duplicate_of BIGINT REFERENCES cases(id);
ALTER TABLE cases ADD COLUMN target_fix_due_at BIGINT;
ALTER TABLE cases ADD COLUMN disclosure_due_at BIGINT;  -- the reporter may disclose after this
ALTER TABLE cases ADD COLUMN severity TEXT;             -- one of the policy's levels
ALTER TABLE cases ADD COLUMN cvss3 TEXT;                -- CVSS 3.x vector
ALTER TABLE cases ADD COLUMN cvss4 TEXT;                -- CVSS 4.0 vector
ALTER TABLE cases ADD COLUMN cvss_score DOUBLE PRECISION; -- the score that counts (4.0 if given, else 3.x)
ALTER TABLE cases ADD COLUMN cwe BIGINT;
ALTER TABLE cases ADD COLUMN assignee_user_id BIGINT REFERENCES users(id);

CREATE INDEX cases_open ON cases(state, project_id);

CREATE VIRTUAL TABLE case_search USING fts5(case_id UNINDEXED, body, tokenize = 'unicode61');
INSERT INTO case_search (case_id, body) SELECT id, summary FROM cases;
INSERT INTO case_search (case_id, body) SELECT case_id, body FROM case_messages;
CREATE TRIGGER case_search_case AFTER INSERT ON cases BEGIN
    INSERT INTO case_search (case_id, body) VALUES (new.id, new.summary);
END;
CREATE TRIGGER case_search_message AFTER INSERT ON case_messages BEGIN
    INSERT INTO case_search (case_id, body) VALUES (new.case_id, new.body);
END;

-- Mail intake as clients write it and without loops (issue 18).
--
-- A report's signature is recorded as it was found ("signed by 0x… (alice@…)", an
-- unknown key, a bad signature) and shown on the case; so is where the reporter's key
-- came from and whether it names the sender's address (a key that does not is kept,
-- flagged, and never makes the sender count as the report's author).
ALTER TABLE cases ADD COLUMN signature TEXT;
ALTER TABLE cases ADD COLUMN reporter_key_note TEXT;
ALTER TABLE case_messages ADD COLUMN signature TEXT;

-- Mail that must never open a case or be answered — Embargo's own mail come back
-- (a team member's address that is also a contact address), automatic mail
-- (RFC 3834: Auto-Submitted, bulk or list precedence), replies to Embargo's mail
-- outside any reporter thread — is kept here for the team, with the reason.
CREATE TABLE held_mail (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  BIGINT NOT NULL REFERENCES projects(id),
    sender      TEXT,
    subject     TEXT,
    message_id  TEXT UNIQUE,
    reason      TEXT NOT NULL,
    raw         BLOB NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX held_mail_project ON held_mail(project_id, received_at);

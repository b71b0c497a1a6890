-- Mail intake is not a decryption oracle (security review F2).
-- cases.reporter_bound: whether the report's sender is known to have written it.
-- False for an encrypted mail report that was neither signed by a key for the
-- sender's address nor carried protected headers naming the sender: the team
-- reads it, but the sender gets no private link and no content until the team
-- confirms them (the case page's "Send the reporter their link").
-- decrypted_digests: SHA-256 of every plaintext Embargo decrypted from mail, by
-- sender, and whether that sender was bound to it. The same plaintext from
-- another sender than a bound one is a forwarded copy, kept on the bound
-- sender's case for the team, never a new report; copies among unbound senders
-- are cross-referenced for the team.
ALTER TABLE cases ADD COLUMN reporter_bound BOOLEAN NOT NULL DEFAULT TRUE;
CREATE TABLE decrypted_digests (
    digest      TEXT NOT NULL,
    sender      TEXT NOT NULL,
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    bound       BOOLEAN NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (digest, sender)
);
CREATE INDEX decrypted_digests_case ON decrypted_digests(case_id);

-- Reminders sent for a case's clocks (acknowledge, decide, fix): the n-th reminder
-- of a clock has seq n, so two processes cannot both send the same one, and the
-- last sent_at keeps reminders no more frequent than the policy's remind_every.
CREATE TABLE case_reminders (
    case_id    BIGINT NOT NULL REFERENCES cases(id),
    clock      TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL,      -- due-soon | overdue
    recipients TEXT NOT NULL,      -- JSON list of addresses
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (case_id, clock, seq)
);

-- State and status columns hold only the values the code knows (issue #17): a write of
-- anything else is refused by the database itself, whatever path it comes from. The
-- lists mirror domain::case::CaseState (cases.state) and the status words of each
-- store module; store_contract::the_database_refuses_unknown_states checks both.

-- SQLite cannot add a CHECK to an existing table: triggers refuse the same writes.

CREATE TRIGGER cases_state_check_insert BEFORE INSERT ON cases
WHEN NEW.state NOT IN ('received', 'acknowledged', 'accepted', 'rejected', 'duplicate', 'spam', 'public-fix', 'fixing', 'scheduled', 'pre-announced', 'pre-notified', 'published', 'closed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: cases.state'); END;

CREATE TRIGGER cases_state_check_update BEFORE UPDATE OF state ON cases
WHEN NEW.state NOT IN ('received', 'acknowledged', 'accepted', 'rejected', 'duplicate', 'spam', 'public-fix', 'fixing', 'scheduled', 'pre-announced', 'pre-notified', 'published', 'closed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: cases.state'); END;

CREATE TRIGGER case_messages_visibility_check_insert BEFORE INSERT ON case_messages
WHEN NEW.visibility NOT IN ('thread', 'team', 'guests')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: case_messages.visibility'); END;

CREATE TRIGGER case_messages_visibility_check_update BEFORE UPDATE OF visibility ON case_messages
WHEN NEW.visibility NOT IN ('thread', 'team', 'guests')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: case_messages.visibility'); END;

CREATE TRIGGER outbox_status_check_insert BEFORE INSERT ON outbox
WHEN NEW.status NOT IN ('queued', 'sending', 'sent', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox.status'); END;

CREATE TRIGGER outbox_status_check_update BEFORE UPDATE OF status ON outbox
WHEN NEW.status NOT IN ('queued', 'sending', 'sent', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox.status'); END;

CREATE TRIGGER disclosure_jobs_status_check_insert BEFORE INSERT ON disclosure_jobs
WHEN NEW.status NOT IN ('pending', 'running', 'done', 'cancelled', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: disclosure_jobs.status'); END;

CREATE TRIGGER disclosure_jobs_status_check_update BEFORE UPDATE OF status ON disclosure_jobs
WHEN NEW.status NOT IN ('pending', 'running', 'done', 'cancelled', 'failed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: disclosure_jobs.status'); END;

CREATE TRIGGER disclosure_jobs_kind_check_insert BEFORE INSERT ON disclosure_jobs
WHEN NEW.kind NOT IN ('pre-announce', 'pre-notify', 'publish')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: disclosure_jobs.kind'); END;

CREATE TRIGGER disclosure_jobs_kind_check_update BEFORE UPDATE OF kind ON disclosure_jobs
WHEN NEW.kind NOT IN ('pre-announce', 'pre-notify', 'publish')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: disclosure_jobs.kind'); END;

CREATE TRIGGER list_requests_status_check_insert BEFORE INSERT ON list_requests
WHEN NEW.status NOT IN ('unconfirmed', 'pending', 'more-info', 'approved', 'rejected')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: list_requests.status'); END;

CREATE TRIGGER list_requests_status_check_update BEFORE UPDATE OF status ON list_requests
WHEN NEW.status NOT IN ('unconfirmed', 'pending', 'more-info', 'approved', 'rejected')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: list_requests.status'); END;

CREATE TRIGGER announce_subscribers_status_check_insert BEFORE INSERT ON announce_subscribers
WHEN NEW.status NOT IN ('unconfirmed', 'subscribed', 'unsubscribed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: announce_subscribers.status'); END;

CREATE TRIGGER announce_subscribers_status_check_update BEFORE UPDATE OF status ON announce_subscribers
WHEN NEW.status NOT IN ('unconfirmed', 'subscribed', 'unsubscribed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: announce_subscribers.status'); END;

CREATE TRIGGER openpgp_keys_owner_kind_check_insert BEFORE INSERT ON openpgp_keys
WHEN NEW.owner_kind NOT IN ('project', 'user', 'recipient')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: openpgp_keys.owner_kind'); END;

CREATE TRIGGER openpgp_keys_owner_kind_check_update BEFORE UPDATE OF owner_kind ON openpgp_keys
WHEN NEW.owner_kind NOT IN ('project', 'user', 'recipient')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: openpgp_keys.owner_kind'); END;

-- State and status columns hold only the values the code knows (issue #17): a write of
-- anything else is refused by the database itself, whatever path it comes from. The
-- lists mirror domain::case::CaseState (cases.state) and the status words of each
-- store module; store_contract::the_database_refuses_unknown_states checks both.

ALTER TABLE cases ADD CONSTRAINT cases_state_check CHECK (state IN ('received', 'acknowledged', 'accepted', 'rejected', 'duplicate', 'spam', 'public-fix', 'fixing', 'scheduled', 'pre-announced', 'pre-notified', 'published', 'closed'));

ALTER TABLE case_messages ADD CONSTRAINT case_messages_visibility_check CHECK (visibility IN ('thread', 'team', 'guests'));

ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('queued', 'sending', 'sent', 'failed'));

ALTER TABLE disclosure_jobs ADD CONSTRAINT disclosure_jobs_status_check CHECK (status IN ('pending', 'running', 'done', 'cancelled', 'failed'));

ALTER TABLE disclosure_jobs ADD CONSTRAINT disclosure_jobs_kind_check CHECK (kind IN ('pre-announce', 'pre-notify', 'publish'));

ALTER TABLE list_requests ADD CONSTRAINT list_requests_status_check CHECK (status IN ('unconfirmed', 'pending', 'more-info', 'approved', 'rejected'));

ALTER TABLE announce_subscribers ADD CONSTRAINT announce_subscribers_status_check CHECK (status IN ('unconfirmed', 'subscribed', 'unsubscribed'));

ALTER TABLE openpgp_keys ADD CONSTRAINT openpgp_keys_owner_kind_check CHECK (owner_kind IN ('project', 'user', 'recipient'));

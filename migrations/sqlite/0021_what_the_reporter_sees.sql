-- What the reporter's page shows of their case besides the thread, as the team chose it:
-- a comma-separated list of `date`, `cve`, `credit`, `severity`. NULL: the default
-- (`date,cve,credit`: severity is the team's to share).
ALTER TABLE cases ADD COLUMN reporter_sees TEXT;

-- Each project's policy file (TOML source), NULL for a project created without one.
ALTER TABLE projects ADD COLUMN policy TEXT;
ALTER TABLE projects ADD COLUMN policy_updated_at BIGINT;

-- A case's affected versions, one entry per line in the project's scheme
-- (introduced..fixed, ..fixed, introduced.., introduced..=last, or one version).
ALTER TABLE cases ADD COLUMN affected TEXT;

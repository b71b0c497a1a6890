-- "Security release in progress": a project may halt other development while a
-- security release is prepared (Pylons). Visible to the team; with freeze_public, a
-- notice without details appears on the project's public page.
ALTER TABLE projects ADD COLUMN freeze_since BIGINT;
ALTER TABLE projects ADD COLUMN freeze_public BOOLEAN NOT NULL DEFAULT FALSE;

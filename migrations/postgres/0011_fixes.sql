-- Fix work: patches per branch (checked unified diffs), their reviews, and a link
-- to a private fork or branch. The reviewed patches are what the pre-notification carries.

ALTER TABLE cases ADD COLUMN fix_branch_url TEXT;

CREATE TABLE case_patches (
    id             BIGSERIAL PRIMARY KEY,
    case_id        BIGINT NOT NULL REFERENCES cases(id),
    branch         TEXT NOT NULL,
    title          TEXT NOT NULL,
    content        TEXT NOT NULL,
    files          TEXT NOT NULL,        -- JSON list of changed files
    added          BIGINT NOT NULL,
    removed        BIGINT NOT NULL,
    author_user_id BIGINT REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    superseded_at  BIGINT                -- a newer patch for the same branch replaced it
);
CREATE INDEX case_patches_case ON case_patches(case_id, branch);

CREATE TABLE case_patch_reviews (
    id               BIGSERIAL PRIMARY KEY,
    patch_id         BIGINT NOT NULL REFERENCES case_patches(id),
    reviewer_user_id BIGINT REFERENCES users(id),
    verdict          TEXT NOT NULL,      -- approved | changes-requested
    note             TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX case_patch_reviews_patch ON case_patch_reviews(patch_id);

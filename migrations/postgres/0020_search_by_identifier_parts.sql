-- Search finds dotted and underscored identifiers (`QuerySet.extra`, `pickle.loads`, `os.path`)
-- by their parts and whole, as SQLite's FTS5 (unicode61) does: ASCII punctuation becomes a
-- separator before the text parser sees it, so `QuerySet.extra` is indexed as `queryset` and
-- `extra` (the parser alone keeps it as one "file" token). Queries are built to match:
-- every word a phrase of its parts (store::cases::search_words).
DROP INDEX case_search_doc;
ALTER TABLE case_search DROP COLUMN doc;
ALTER TABLE case_search ADD COLUMN doc tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', translate(body, '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~', '                                '))
) STORED;
CREATE INDEX case_search_doc ON case_search USING GIN (doc);

-- The public read model of advisories (security review F4): the title and summary
-- as published, written only at publication. Public search reads these and the
-- frozen document, never the team's working draft (`title`, `summary`), which a
-- reopened case may be rewriting under embargo.
ALTER TABLE advisories ADD COLUMN published_title TEXT;
ALTER TABLE advisories ADD COLUMN published_summary TEXT;
UPDATE advisories
   SET published_title = json_extract(document, '$.title'),
       published_summary = json_extract(document, '$.summary')
 WHERE document IS NOT NULL;

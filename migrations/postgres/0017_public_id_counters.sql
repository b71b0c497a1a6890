-- Public advisory ids (`SLUG-YEAR-NNN`) come from a counter per project and year,
-- incremented in the publishing transaction, never derived from a count of rows: no
-- sequence of concurrent publications, failures, reopenings and retries can hand
-- out an id twice. A counter is seeded from the highest id already used the first
-- time its year is needed.
CREATE TABLE public_id_counters (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    year       BIGINT NOT NULL,
    last       BIGINT NOT NULL,
    PRIMARY KEY (project_id, year)
);

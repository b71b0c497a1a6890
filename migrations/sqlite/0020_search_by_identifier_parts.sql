-- Nothing changes here: FTS5's unicode61 tokenizer already splits `QuerySet.extra` into
-- `queryset` and `extra`. PostgreSQL's migration 0020 makes its index do the same; both
-- backends keep the same migration numbers.
SELECT 1;

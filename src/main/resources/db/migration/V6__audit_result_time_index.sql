-- The query API's result filter, newest first, as ix_audit_event_reason_time serves the reason
-- filter. On SQLite the planner chose ix_audit_event_result for tenant + result and read every
-- event of that result, then sorted the tenant's (314 ms at p95 on one million events,
-- bench/history/2026-12-07-audit-query-sqlite.md); with the time in the index the same query
-- reads one page (0.3 ms). Same number of indexes per insert. Portable between H2, PostgreSQL
-- and SQLite.
DROP INDEX ix_audit_event_result;
CREATE INDEX ix_audit_event_result_time ON audit_event (activity_result, activity_date_time);

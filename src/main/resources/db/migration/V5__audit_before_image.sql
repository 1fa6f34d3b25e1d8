-- How the read of a change's before-image went (capture-before in the tenant policy): captured
-- or unavailable, why it was unavailable (timeout, graph_404, throttled, graph_error_503, ...)
-- and how long the read took. The old values themselves sit beside the new ones in
-- modified_properties. Portable between H2, PostgreSQL and SQLite (one column per ALTER).
-- Rows stored before, and events of calls whose before-image is not captured, stay NULL and
-- keep their hashes: the hash covers these columns only when they are set.
ALTER TABLE audit_event ADD COLUMN before_image_status VARCHAR(16);
ALTER TABLE audit_event ADD COLUMN before_image_reason VARCHAR(64);
ALTER TABLE audit_event ADD COLUMN before_image_latency_ms BIGINT;

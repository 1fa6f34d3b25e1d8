-- Which operation of the catalogue an event is of (graph-gateway.operations: its id, such as
-- intune-managed-device-wipe) and the type of the resource it targets (User, ManagedDevice).
-- Portable between H2 and PostgreSQL. Rows stored before stay NULL, which reads as
-- intune-mam-user-update on a User (every event then was of it), and keep their hashes: the
-- hash covers these columns only when they are set.
ALTER TABLE audit_event ADD COLUMN operation VARCHAR(64);
ALTER TABLE audit_event ADD COLUMN resource_type VARCHAR(100);

-- The query API's operation filter within a tenant, newest first, as ix_audit_event_tenant_time
-- serves the tenant alone.
CREATE INDEX ix_audit_event_tenant_operation_time ON audit_event (tenant_id, operation, activity_date_time);

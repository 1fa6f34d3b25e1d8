-- Indexes for filters of the audit query API that V1 left to a scan of the tenant's or of all
-- events (measured by bench/audit-query/run): the actor filter matches the object id, the
-- principal name or the application id, and only the first had an index; reason had none.
CREATE INDEX ix_audit_event_actor_upn ON audit_event (actor_user_principal_name);
CREATE INDEX ix_audit_event_actor_application ON audit_event (actor_application_id);
CREATE INDEX ix_audit_event_reason_time ON audit_event (reason, activity_date_time);

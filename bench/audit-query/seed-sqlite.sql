-- Seeds :events closed audit events into an empty SQLite audit trail, for bench/audit-query/run
-- with AUDIT_QUERY_STORE=sqlite: the distribution of seed.sql (read it for the shape: 90 days,
-- 50 tenants of skewed size, administrators, tools, services, target users, results, reasons,
-- four chains), written as the gateway writes SQLite rows. Run by the sqlite3 command with the
-- parameters :events and :now_us (the seed's "now", microseconds since the epoch) set, while no
-- gateway has the file open.
--
-- Where seed.sql differs, because the sqlite3 command has neither md5 nor sha256 nor a seedable
-- random() of floats:
-- - every identifier is the text of a UUID made of the first 128 bits of SHA3-256 of the same
--   string seed.sql hashes with md5 (event i's id is made of sha3('event' || i)), hashes and
--   trace ids are SHA3-256 hex: bench/audit-query/run names the events it queries the same way;
-- - random numbers come from random() after `.testctrl prng_seed` (deterministic too);
-- - instants are the fixed-width UTC text StoredInstant writes: 2026-12-07T19:02:39.632818Z.
.testctrl prng_seed 5
PRAGMA cache_size = -1000000;
BEGIN;

WITH g AS MATERIALIZED (
	SELECT value AS i,
		CAST(50 * pow((random() & 9007199254740991) / 9007199254740992.0, 2) AS INTEGER) AS t,
		(random() & 9007199254740991) / 9007199254740992.0 AS r_actor,
		CAST(200 * pow((random() & 9007199254740991) / 9007199254740992.0, 3) AS INTEGER) AS u,
		CAST(5 * ((random() & 9007199254740991) / 9007199254740992.0) AS INTEGER) AS app,
		CAST(2000 * pow((random() & 9007199254740991) / 9007199254740992.0, 2) AS INTEGER) AS target,
		(random() & 9007199254740991) / 9007199254740992.0 AS r_result,
		(random() & 9007199254740991) / 9007199254740992.0 AS r_reason,
		(random() & 9007199254740991) / 9007199254740992.0 AS r_props
	FROM generate_series(1, :events)
),
o (n, result, decision, reason, upstream_status) AS (VALUES
	(1, 'refused', 'refuse', 'token_invalid', NULL),
	(2, 'success', 'allow', 'allowed', 204),
	(3, 'success', 'would_refuse', 'change_freeze', 204),
	(4, 'refused', 'refuse', 'target_protected', NULL),
	(5, 'refused', 'refuse', 'property_not_allowed', NULL),
	(6, 'refused', 'refuse', 'permission_denied', NULL),
	(7, 'refused', 'refuse', 'rate_limited', NULL),
	(8, 'refused', 'refuse', 'change_freeze', NULL),
	(9, 'refused', 'refuse', 'invalid_request', NULL),
	(10, 'refused', 'refuse', 'tenant_unlicensed', NULL),
	(11, 'refused', 'refuse', 'caller_not_allowed', NULL),
	(12, 'refused', 'refuse', 'body_too_large', NULL),
	(13, 'refused', 'refuse', 'tenant_not_allowed', NULL),
	(14, 'failure', 'allow', 'allowed', 404),
	(15, 'failure', 'allow', 'allowed', 400),
	(16, 'failure', 'allow', 'allowed', 503),
	(17, 'failure', 'allow', 'upstream_timeout', 504),
	(18, 'failure', 'allow', 'upstream_unreachable', 502),
	(19, 'failure', 'allow', 'circuit_open', NULL),
	(20, 'failure', 'allow', 'upstream_token_failed', 502),
	(21, 'unknown', 'allow', 'client_disconnected', NULL),
	(22, 'unknown', 'allow', 'outcome_unknown', NULL)
),
x AS (
	SELECT g.*, CASE WHEN r_actor < 0.82 THEN 'Delegated' WHEN r_actor < 0.97 THEN 'Application' ELSE 'Unknown' END
			AS actor_type
	FROM g
),
-- The first outcome of seed.sql's list that applies.
a AS (
	SELECT x.*,
		CASE
			WHEN actor_type = 'Unknown' THEN 1
			WHEN r_result < 0.69 THEN 2
			WHEN r_result < 0.70 THEN 3
			WHEN r_result < 0.94 AND r_reason < 0.30 THEN 4
			WHEN r_result < 0.94 AND r_reason < 0.55 THEN 5
			WHEN r_result < 0.94 AND r_reason < 0.67 THEN 6
			WHEN r_result < 0.94 AND r_reason < 0.77 THEN 7
			WHEN r_result < 0.94 AND r_reason < 0.85 THEN 8
			WHEN r_result < 0.94 AND r_reason < 0.91 THEN 9
			WHEN r_result < 0.94 AND r_reason < 0.95 THEN 10
			WHEN r_result < 0.94 AND r_reason < 0.98 THEN 11
			WHEN r_result < 0.94 AND r_reason < 0.99 THEN 12
			WHEN r_result < 0.94 THEN 13
			WHEN r_result < 0.99 AND r_reason < 0.40 THEN 14
			WHEN r_result < 0.99 AND r_reason < 0.55 THEN 15
			WHEN r_result < 0.99 AND r_reason < 0.65 THEN 16
			WHEN r_result < 0.99 AND r_reason < 0.80 THEN 17
			WHEN r_result < 0.99 AND r_reason < 0.90 THEN 18
			WHEN r_result < 0.99 AND r_reason < 0.95 THEN 19
			WHEN r_result < 0.99 THEN 20
			WHEN r_reason < 0.80 THEN 21
			ELSE 22
		END AS n
	FROM x
),
-- The hashes each row needs, as lower-case hex; uuid columns take their first 32 digits.
h AS (
	SELECT a.*, o.result, o.decision, o.reason, o.upstream_status,
		CAST((:now_us - 7776000000000) + a.i * 7776000000000 / :events AS INTEGER) AS us,
		lower(hex(sha3('event' || a.i, 256))) AS h_id,
		lower(hex(sha3('correlation' || a.i, 256))) AS h_correlation,
		lower(hex(sha3('user' || a.t || '-' || a.u, 256))) AS h_user,
		lower(hex(sha3(CASE a.actor_type WHEN 'Delegated' THEN 'tool' || a.t || '-' || (a.u % 2)
			ELSE 'service' || a.t || '-' || a.app END, 256))) AS h_application,
		lower(hex(sha3('tenant' || a.t, 256))) AS h_tenant,
		lower(hex(sha3('target' || a.t || '-' || a.target, 256))) AS h_target,
		lower(hex(sha3('graph' || a.i, 256))) AS h_graph,
		lower(hex(sha3('chain' || (a.i % 4), 256))) AS h_chain
	FROM a JOIN o ON o.n = a.n
)
INSERT INTO audit_event (id, activity_date_time, activity, activity_operation_type, activity_result, category,
		correlation_id, actor_type, actor_user_id, actor_user_principal_name, actor_application_id, actor_ip_address,
		actor_permissions, tenant_id, target_user_id, modified_properties, decision, reason, policy_version,
		upstream_status, graph_request_id, latency_ms, trace_id, writer_id, chain_id, chain_seq, previous_hash, hash)
SELECT substr(h_id, 1, 8) || '-' || substr(h_id, 9, 4) || '-' || substr(h_id, 13, 4) || '-' || substr(h_id, 17, 4)
			|| '-' || substr(h_id, 21, 12),
	strftime('%Y-%m-%dT%H:%M:%S', us / 1000000, 'unixepoch') || printf('.%06dZ', us % 1000000),
	'Patch user', 'Patch', result, 'User',
	substr(h_correlation, 1, 8) || '-' || substr(h_correlation, 9, 4) || '-' || substr(h_correlation, 13, 4) || '-'
			|| substr(h_correlation, 17, 4) || '-' || substr(h_correlation, 21, 12),
	actor_type,
	CASE WHEN actor_type = 'Delegated' THEN substr(h_user, 1, 8) || '-' || substr(h_user, 9, 4) || '-'
			|| substr(h_user, 13, 4) || '-' || substr(h_user, 17, 4) || '-' || substr(h_user, 21, 12) END,
	CASE WHEN actor_type = 'Delegated' THEN 'admin' || u || '@tenant' || t || '.example' END,
	CASE WHEN actor_type <> 'Unknown' THEN substr(h_application, 1, 8) || '-' || substr(h_application, 9, 4) || '-'
			|| substr(h_application, 13, 4) || '-' || substr(h_application, 17, 4) || '-' || substr(h_application, 21, 12)
	END,
	CASE actor_type
		WHEN 'Application' THEN '20.190.' || t || '.' || (app + 10)
		ELSE '10.' || t || '.' || (u % 250) || '.' || (u % 7 + 1)
	END,
	CASE WHEN actor_type = 'Unknown' THEN '' ELSE 'DeviceManagementApps.ReadWrite.All' END,
	CASE
		WHEN actor_type = 'Unknown' THEN NULL
		WHEN t = 0 THEN '00000000-5a9d-4b0c-8e1f-5a4db0c0ffee'
		ELSE substr(h_tenant, 1, 8) || '-' || substr(h_tenant, 9, 4) || '-' || substr(h_tenant, 13, 4) || '-'
			|| substr(h_tenant, 17, 4) || '-' || substr(h_tenant, 21, 12)
	END,
	CASE
		WHEN reason = 'target_protected' THEN 'breakglass' || (target % 2) || '@tenant' || t || '.example'
		WHEN target % 3 = 0 THEN 'user' || target || '@tenant' || t || '.example'
		ELSE substr(h_target, 1, 8) || '-' || substr(h_target, 9, 4) || '-' || substr(h_target, 13, 4) || '-'
			|| substr(h_target, 17, 4) || '-' || substr(h_target, 21, 12)
	END,
	CASE
		WHEN r_props < 0.50 THEN '[{"displayName":"displayName","oldValue":null,"newValue":"User ' || target || '"}]'
		WHEN r_props < 0.80 THEN '[{"displayName":"displayName","oldValue":null,"newValue":"User ' || target
				|| '"},{"displayName":"jobTitle","oldValue":null,"newValue":"Retail Manager"}]'
		WHEN r_props < 0.90 THEN '[{"displayName":"department","oldValue":null,"newValue":"Sales"},'
				|| '{"displayName":"officeLocation","oldValue":null,"newValue":"' || (target % 40) || '/' || (u % 9) || '"}]'
		WHEN r_props < 0.97 THEN '[{"displayName":"passwordProfile","oldValue":null,"newValue":"[redacted]"}]'
		ELSE '[{"displayName":"displayName","oldValue":null,"newValue":"User ' || target
				|| '"},{"displayName":"mobilePhone","oldValue":null,"newValue":"+1 425 555 0' || (100 + target % 900)
				|| '"},{"displayName":"city","oldValue":null,"newValue":"Redmond"}]'
	END,
	decision, reason,
	CASE WHEN actor_type <> 'Unknown' THEN substr(lower(hex(sha3('policy' || t || '-' || (i * 4 / :events), 256))), 1, 16)
	END,
	upstream_status,
	CASE WHEN upstream_status IS NOT NULL THEN substr(h_graph, 1, 8) || '-' || substr(h_graph, 9, 4) || '-'
			|| substr(h_graph, 13, 4) || '-' || substr(h_graph, 17, 4) || '-' || substr(h_graph, 21, 12) END,
	CASE WHEN upstream_status IS NOT NULL THEN 40 + CAST(round(r_result * 1000) AS INTEGER) % 360
		ELSE 1 + CAST(round(r_reason * 1000) AS INTEGER) % 30 END,
	CASE WHEN i % 10 < 3 THEN substr(lower(hex(sha3('trace' || i, 256))), 1, 32) END,
	substr(h_chain, 1, 8) || '-' || substr(h_chain, 9, 4) || '-' || substr(h_chain, 13, 4) || '-'
		|| substr(h_chain, 17, 4) || '-' || substr(h_chain, 21, 12),
	substr(h_chain, 1, 8) || '-' || substr(h_chain, 9, 4) || '-' || substr(h_chain, 13, 4) || '-'
		|| substr(h_chain, 17, 4) || '-' || substr(h_chain, 21, 12),
	(i - 1) / 4 + 1,
	CASE WHEN i <= 4 THEN replace(printf('%64s', ''), ' ', '0') ELSE lower(hex(sha3('event' || (i - 4), 256))) END,
	h_id
FROM h
ORDER BY i;

-- The four replicas' chain heads.
INSERT INTO audit_chain (chain_id, started_at, first_seq, anchor_hash, last_seq, last_hash)
SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-'
		|| substr(h, 21, 12),
	strftime('%Y-%m-%dT%H:%M:%S', (:now_us - 7776000000000) / 1000000, 'unixepoch')
		|| printf('.%06dZ', (:now_us - 7776000000000) % 1000000),
	1, replace(printf('%64s', ''), ' ', '0'), count, lower(hex(sha3('event' || last, 256)))
FROM (
	SELECT lower(hex(sha3('chain' || c, 256))) AS h, count(*) AS count, max(value) AS last
	FROM (SELECT value, value % 4 AS c FROM generate_series(1, :events))
	GROUP BY c
);

COMMIT;

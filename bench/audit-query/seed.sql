-- Seeds :events closed audit events into an empty audit trail, shaped like the gateway writes
-- them (see AuditRows, AuditEventFactory), for bench/audit-query/run. Deterministic: event i has
-- id md5('event' || i), so the run can name the events it queries for.
--
-- - 90 days up to now, evenly spaced, inserted oldest first (as a live gateway inserts them);
-- - 50 tenants of skewed size: tenant 0, the sandbox tenant, is the largest (about 14 %), the
--   smallest holds about 1 %;
-- - per tenant 200 administrators (a few of them make most calls) with one of two admin tools,
--   5 service applications (app-only), and 2,000 target users, a third named by principal name;
-- - 3 % untrusted tokens (actor Unknown, no tenant: token_invalid);
-- - results about 68 % success, 27 % refused, 5 % failure, 1 % unknown, with the reasons and
--   Graph statuses the gateway records for each;
-- - four gateway replicas, each with its own hash chain. The hashes are well-formed but are not
--   the gateway's: /audit/verify reports these chains broken.
SELECT setseed(0.5) AS seeded \gset

INSERT INTO audit_event (id, activity_date_time, activity, activity_operation_type, activity_result, category,
		correlation_id, actor_type, actor_user_id, actor_user_principal_name, actor_application_id, actor_ip_address,
		actor_permissions, tenant_id, target_user_id, modified_properties, decision, reason, policy_version,
		upstream_status, graph_request_id, latency_ms, trace_id, writer_id, chain_id, chain_seq, previous_hash, hash)
SELECT md5('event' || i)::uuid::text,
	now() - interval '90 days' + (i::float8 / :events) * interval '90 days',
	'Patch user', 'Patch', r.result, 'User',
	md5('correlation' || i)::uuid::text,
	a.actor_type,
	CASE WHEN a.actor_type = 'Delegated' THEN md5('user' || g.t || '-' || g.u)::uuid::text END,
	CASE WHEN a.actor_type = 'Delegated' THEN 'admin' || g.u || '@tenant' || g.t || '.example' END,
	CASE a.actor_type
		WHEN 'Delegated' THEN md5('tool' || g.t || '-' || (g.u % 2))::uuid::text
		WHEN 'Application' THEN md5('service' || g.t || '-' || g.app)::uuid::text
	END,
	CASE a.actor_type
		WHEN 'Application' THEN '20.190.' || g.t || '.' || (g.app + 10)
		ELSE '10.' || g.t || '.' || (g.u % 250) || '.' || (g.u % 7 + 1)
	END,
	CASE WHEN a.actor_type = 'Unknown' THEN '' ELSE 'DeviceManagementApps.ReadWrite.All' END,
	CASE WHEN a.actor_type <> 'Unknown' THEN a.tenant END,
	CASE
		WHEN r.reason = 'target_protected' THEN 'breakglass' || (g.target % 2) || '@tenant' || g.t || '.example'
		WHEN g.target % 3 = 0 THEN 'user' || g.target || '@tenant' || g.t || '.example'
		ELSE md5('target' || g.t || '-' || g.target)::uuid::text
	END,
	CASE
		WHEN g.r_props < 0.50 THEN '[{"displayName":"displayName","oldValue":null,"newValue":"User ' || g.target || '"}]'
		WHEN g.r_props < 0.80 THEN '[{"displayName":"displayName","oldValue":null,"newValue":"User ' || g.target
				|| '"},{"displayName":"jobTitle","oldValue":null,"newValue":"Retail Manager"}]'
		WHEN g.r_props < 0.90 THEN '[{"displayName":"department","oldValue":null,"newValue":"Sales"},'
				|| '{"displayName":"officeLocation","oldValue":null,"newValue":"' || (g.target % 40) || '/' || (g.u % 9) || '"}]'
		WHEN g.r_props < 0.97 THEN '[{"displayName":"passwordProfile","oldValue":null,"newValue":"[redacted]"}]'
		ELSE '[{"displayName":"displayName","oldValue":null,"newValue":"User ' || g.target
				|| '"},{"displayName":"mobilePhone","oldValue":null,"newValue":"+1 425 555 0' || (100 + g.target % 900)
				|| '"},{"displayName":"city","oldValue":null,"newValue":"Redmond"}]'
	END,
	r.decision, r.reason,
	CASE WHEN a.actor_type <> 'Unknown' THEN substr(md5('policy' || g.t || '-' || (i * 4 / :events)), 1, 16) END,
	r.upstream_status,
	CASE WHEN r.upstream_status IS NOT NULL THEN md5('graph' || i)::uuid::text END,
	CASE WHEN r.upstream_status IS NOT NULL THEN 40 + (g.r_result * 1000)::int % 360 ELSE 1 + (g.r_reason * 1000)::int % 30 END,
	CASE WHEN i % 10 < 3 THEN md5('trace' || i) END,
	md5('chain' || i % 4)::uuid::text,
	md5('chain' || i % 4)::uuid::text,
	(i - 1) / 4 + 1,
	CASE WHEN i <= 4 THEN repeat('0', 64) ELSE encode(sha256(convert_to('event' || (i - 4), 'UTF8')), 'hex') END,
	encode(sha256(convert_to('event' || i, 'UTF8')), 'hex')
FROM (
	SELECT i,
		floor(50 * random() ^ 2)::int AS t,
		random() AS r_actor,
		floor(200 * random() ^ 3)::int AS u,
		floor(5 * random())::int AS app,
		floor(2000 * random() ^ 2)::int AS target,
		random() AS r_result,
		random() AS r_reason,
		random() AS r_props
	FROM generate_series(1, :events) AS i
) AS g
CROSS JOIN LATERAL (
	SELECT CASE WHEN g.r_actor < 0.82 THEN 'Delegated' WHEN g.r_actor < 0.97 THEN 'Application' ELSE 'Unknown' END
			AS actor_type,
		CASE WHEN g.t = 0 THEN '00000000-5a9d-4b0c-8e1f-5a4db0c0ffee' ELSE md5('tenant' || g.t)::uuid::text END
			AS tenant
) AS a
CROSS JOIN LATERAL (
	SELECT o.result, o.decision, o.reason, o.upstream_status
	FROM (VALUES
		-- the untrusted tokens
		(1, a.actor_type = 'Unknown', 'refused', 'refuse', 'token_invalid', NULL::int),
		-- forwarded; Graph answered 204, a few report-only rules would have refused
		(2, g.r_result < 0.69, 'success', 'allow', 'allowed', 204),
		(3, g.r_result < 0.70, 'success', 'would_refuse', 'change_freeze', 204),
		-- refused before Graph
		(4, g.r_result < 0.94 AND g.r_reason < 0.30, 'refused', 'refuse', 'target_protected', NULL),
		(5, g.r_result < 0.94 AND g.r_reason < 0.55, 'refused', 'refuse', 'property_not_allowed', NULL),
		(6, g.r_result < 0.94 AND g.r_reason < 0.67, 'refused', 'refuse', 'permission_denied', NULL),
		(7, g.r_result < 0.94 AND g.r_reason < 0.77, 'refused', 'refuse', 'rate_limited', NULL),
		(8, g.r_result < 0.94 AND g.r_reason < 0.85, 'refused', 'refuse', 'change_freeze', NULL),
		(9, g.r_result < 0.94 AND g.r_reason < 0.91, 'refused', 'refuse', 'invalid_request', NULL),
		(10, g.r_result < 0.94 AND g.r_reason < 0.95, 'refused', 'refuse', 'tenant_unlicensed', NULL),
		(11, g.r_result < 0.94 AND g.r_reason < 0.98, 'refused', 'refuse', 'caller_not_allowed', NULL),
		(12, g.r_result < 0.94 AND g.r_reason < 0.99, 'refused', 'refuse', 'body_too_large', NULL),
		(13, g.r_result < 0.94, 'refused', 'refuse', 'tenant_not_allowed', NULL),
		-- forwarded, or meant to be, and failed
		(14, g.r_result < 0.99 AND g.r_reason < 0.40, 'failure', 'allow', 'allowed', 404),
		(15, g.r_result < 0.99 AND g.r_reason < 0.55, 'failure', 'allow', 'allowed', 400),
		(16, g.r_result < 0.99 AND g.r_reason < 0.65, 'failure', 'allow', 'allowed', 503),
		(17, g.r_result < 0.99 AND g.r_reason < 0.80, 'failure', 'allow', 'upstream_timeout', 504),
		(18, g.r_result < 0.99 AND g.r_reason < 0.90, 'failure', 'allow', 'upstream_unreachable', 502),
		(19, g.r_result < 0.99 AND g.r_reason < 0.95, 'failure', 'allow', 'circuit_open', NULL),
		(20, g.r_result < 0.99, 'failure', 'allow', 'upstream_token_failed', 502),
		-- outcome lost
		(21, g.r_reason < 0.80, 'unknown', 'allow', 'client_disconnected', NULL),
		(22, true, 'unknown', 'allow', 'outcome_unknown', NULL)
	) AS o (n, applies, result, decision, reason, upstream_status)
	WHERE o.applies
	ORDER BY o.n
	LIMIT 1
) AS r;

-- The four replicas' chain heads.
INSERT INTO audit_chain (chain_id, started_at, first_seq, anchor_hash, last_seq, last_hash)
SELECT md5('chain' || c)::uuid::text, now() - interval '90 days', 1, repeat('0', 64), count(*),
	encode(sha256(convert_to('event' || max(i), 'UTF8')), 'hex')
FROM generate_series(1, :events) AS i, LATERAL (SELECT i % 4 AS c) AS x
GROUP BY c;

-- The audit trail. One row per request that reached the route; portable between H2 and PostgreSQL.
CREATE TABLE audit_event (
    id                          VARCHAR(36)   NOT NULL PRIMARY KEY,
    activity_date_time          TIMESTAMP WITH TIME ZONE NOT NULL,
    activity                    VARCHAR(100)  NOT NULL,
    activity_operation_type     VARCHAR(20)   NOT NULL,
    activity_result             VARCHAR(20)   NOT NULL,
    category                    VARCHAR(50)   NOT NULL,
    correlation_id              VARCHAR(64),
    actor_type                  VARCHAR(20)   NOT NULL,
    actor_user_id               VARCHAR(64),
    actor_user_principal_name   VARCHAR(320),
    actor_application_id        VARCHAR(64),
    actor_ip_address            VARCHAR(64),
    actor_permissions           VARCHAR(4000),
    tenant_id                   VARCHAR(64),
    target_user_id              VARCHAR(1024),
    modified_properties         VARCHAR(1000000) NOT NULL,
    decision                    VARCHAR(20)   NOT NULL,
    reason                      VARCHAR(100)  NOT NULL,
    policy_version              VARCHAR(100),
    upstream_status             INTEGER,
    graph_request_id            VARCHAR(100),
    latency_ms                  BIGINT,
    trace_id                    VARCHAR(32),
    -- The writer (gateway process) that holds the pending event; its chain once closed.
    writer_id                   VARCHAR(36)   NOT NULL,
    chain_id                    VARCHAR(36),
    chain_seq                   BIGINT,
    previous_hash               VARCHAR(64),
    hash                        VARCHAR(64),
    CONSTRAINT uq_audit_event_chain UNIQUE (chain_id, chain_seq)
);

CREATE INDEX ix_audit_event_tenant_time ON audit_event (tenant_id, activity_date_time);
CREATE INDEX ix_audit_event_time ON audit_event (activity_date_time);
CREATE INDEX ix_audit_event_target ON audit_event (target_user_id);
CREATE INDEX ix_audit_event_actor ON audit_event (actor_user_id);
CREATE INDEX ix_audit_event_correlation ON audit_event (correlation_id);
CREATE INDEX ix_audit_event_result ON audit_event (activity_result);

-- One hash chain per gateway process. first_seq/anchor_hash move forward when retention purges
-- the oldest events; last_seq/last_hash let the verifier notice events deleted from the end.
CREATE TABLE audit_chain (
    chain_id      VARCHAR(36)  NOT NULL PRIMARY KEY,
    started_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    first_seq     BIGINT       NOT NULL,
    anchor_hash   VARCHAR(64)  NOT NULL,
    last_seq      BIGINT       NOT NULL,
    last_hash     VARCHAR(64)  NOT NULL
);

-- The audit trail's integrity (second wave): keyed MACs on events, summaries of refusals that
-- could not be recorded one by one, signed checkpoints of every chain, and the cursors and leases
-- of the sinks that stream the trail to a SIEM. Portable between H2 and PostgreSQL.

-- With a signing key: the key that authenticated the row, the MAC of the pending row as the
-- gateway inserted it, and the MAC of the chained event (over its hash).
ALTER TABLE audit_event ADD COLUMN key_id VARCHAR(64);
ALTER TABLE audit_event ADD COLUMN pending_mac VARCHAR(64);
ALTER TABLE audit_event ADD COLUMN mac VARCHAR(64);

-- A summary event stands for summary_count refusals, between summary_first and summary_last,
-- whose own events could not be queued (the audit queue was full).
ALTER TABLE audit_event ADD COLUMN summary_count BIGINT;
ALTER TABLE audit_event ADD COLUMN summary_first TIMESTAMP WITH TIME ZONE;
ALTER TABLE audit_event ADD COLUMN summary_last TIMESTAMP WITH TIME ZONE;

-- The key the chain was started with (null: an unkeyed chain).
ALTER TABLE audit_chain ADD COLUMN key_id VARCHAR(64);

-- Signed checkpoints: where a chain stood (position, head hash, count) and which chains
-- existed, numbered per chain from 1 so that a deleted checkpoint leaves a gap.
CREATE TABLE audit_checkpoint (
    chain_id          VARCHAR(36)   NOT NULL,
    checkpoint_seq    BIGINT        NOT NULL,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    chain_position    BIGINT        NOT NULL,
    head_hash         VARCHAR(64)   NOT NULL,
    event_count       BIGINT        NOT NULL,
    known_chains      VARCHAR(1000000) NOT NULL,
    key_id            VARCHAR(64)   NOT NULL,
    algorithm         VARCHAR(20)   NOT NULL,
    signature         VARCHAR(200)  NOT NULL,
    CONSTRAINT pk_audit_checkpoint PRIMARY KEY (chain_id, checkpoint_seq)
);

-- How far each sink has delivered each stream ('event:<chain id>' or 'checkpoint:<chain id>'),
-- advanced only after the sink acknowledged.
CREATE TABLE audit_sink_cursor (
    sink              VARCHAR(100)  NOT NULL,
    stream            VARCHAR(100)  NOT NULL,
    position          BIGINT        NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT pk_audit_sink_cursor PRIMARY KEY (sink, stream)
);

-- Which gateway process delivers a sink's events, until when: one replica at a time, and
-- another takes over once a dead replica's lease has expired.
CREATE TABLE audit_sink_lease (
    sink              VARCHAR(100)  NOT NULL PRIMARY KEY,
    owner             VARCHAR(36)   NOT NULL,
    expires_at        TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The audit page's sign-in sessions, where every replica finds them, when Redis is not configured
-- (session/JdbcSessionRepository). A row is found by the SHA-256 of the session id, never the id
-- itself: whoever reads this table cannot take over a session. Times are epoch milliseconds.
-- attributes: the Spring Security context and sign-in state as JSON of allowed types only.
CREATE TABLE page_session (
    id_hash           VARCHAR(64)   NOT NULL PRIMARY KEY,
    created_at        BIGINT        NOT NULL,
    last_accessed_at  BIGINT        NOT NULL,
    max_inactive_secs BIGINT        NOT NULL,
    expires_at        BIGINT        NOT NULL,
    attributes        VARCHAR(1000000) NOT NULL
);

CREATE INDEX ix_page_session_expires ON page_session (expires_at);

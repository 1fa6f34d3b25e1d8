package com.graphpolicygateway.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.session.ReactiveSessionRepository;
import org.springframework.session.Session;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.Assert;

import com.graphpolicygateway.system.PeriodicTasks;

/**
 * The audit page's sessions in the audit database, for Spring Session's WebFlux support
 * (which has no JDBC store of its own): every replica finds a session any replica
 * created, an idle session expires after its inactive interval, and expired rows are
 * deleted every few minutes. Rows are found by the SHA-256 of the session id. Every
 * statement runs on {@link Schedulers#boundedElastic()}, never on an event loop.
 */
final class JdbcSessionRepository implements ReactiveSessionRepository<JdbcSessionRepository.JdbcSession> {

	/** How often expired sessions are deleted. */
	static final Duration CLEANUP_INTERVAL = Duration.ofMinutes(5);

	private static final Log logger = LogFactory.getLog(JdbcSessionRepository.class);

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final SessionAttributes attributes;

	private final Duration maxInactiveInterval;

	private final Clock clock;

	private final PeriodicTasks tasks = new PeriodicTasks("page-session-cleanup");

	JdbcSessionRepository(JdbcTemplate jdbc, TransactionTemplate transactions, SessionAttributes attributes,
			Duration maxInactiveInterval, Clock clock) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		Assert.notNull(transactions, "transactions cannot be null");
		Assert.notNull(attributes, "attributes cannot be null");
		Assert.notNull(clock, "clock cannot be null");
		Assert.isTrue(!maxInactiveInterval.isNegative() && !maxInactiveInterval.isZero(),
				"maxInactiveInterval must be positive");
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.attributes = attributes;
		this.maxInactiveInterval = maxInactiveInterval;
		this.clock = clock;
		this.tasks.every(CLEANUP_INTERVAL, CLEANUP_INTERVAL, this::deleteExpired);
	}

	/** Starts deleting expired sessions periodically. */
	void start() {
		this.tasks.start();
	}

	void stop() {
		this.tasks.stop();
	}

	@Override
	public Mono<JdbcSession> createSession() {
		// Nothing is stored until the session is saved with something in it.
		return Mono.fromSupplier(() -> new JdbcSession(newId(), null, this.clock.instant(), this.maxInactiveInterval,
				new HashMap<>(), this.clock));
	}

	@Override
	public Mono<Void> save(JdbcSession session) {
		return Mono.<Void>fromRunnable(() -> store(session)).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<JdbcSession> findById(String id) {
		return Mono.fromCallable(() -> load(id).orElse(null)).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<Void> deleteById(String id) {
		return Mono.<Void>fromRunnable(() -> this.jdbc.update("DELETE FROM page_session WHERE id_hash = ?", hash(id)))
			.subscribeOn(Schedulers.boundedElastic());
	}

	/** Deletes the sessions that expired; answers how many. */
	int deleteExpired() {
		return this.jdbc.update("DELETE FROM page_session WHERE expires_at <= ?", this.clock.millis());
	}

	private void store(JdbcSession session) {
		long lastAccessed = session.getLastAccessedTime().toEpochMilli();
		long expires = lastAccessed + session.getMaxInactiveInterval().toMillis();
		String values = this.attributes.write(session.attributes);
		String hash = hash(session.getId());
		this.transactions.executeWithoutResult((status) -> {
			// A changed id (at sign-in, against session fixation): the old one stops
			// working.
			if (session.storedId != null && !session.storedId.equals(session.getId())) {
				this.jdbc.update("DELETE FROM page_session WHERE id_hash = ?", hash(session.storedId));
			}
			int updated = this.jdbc.update(
					"UPDATE page_session SET last_accessed_at = ?, max_inactive_secs = ?, expires_at = ?, "
							+ "attributes = ? WHERE id_hash = ?",
					lastAccessed, session.getMaxInactiveInterval().toSeconds(), expires, values, hash);
			if (updated == 0) {
				this.jdbc.update(
						"INSERT INTO page_session (id_hash, created_at, last_accessed_at, max_inactive_secs, "
								+ "expires_at, attributes) VALUES (?, ?, ?, ?, ?, ?)",
						hash, session.getCreationTime().toEpochMilli(), lastAccessed,
						session.getMaxInactiveInterval().toSeconds(), expires, values);
			}
		});
		session.storedId = session.getId();
	}

	private Optional<JdbcSession> load(String id) {
		String hash = hash(id);
		List<JdbcSession> found = this.jdbc
			.query("SELECT created_at, last_accessed_at, max_inactive_secs, expires_at, attributes FROM page_session "
					+ "WHERE id_hash = ?", (row, number) -> {
						if (row.getLong("expires_at") <= this.clock.millis()) {
							return null;
						}
						Map<String, Object> values;
						try {
							values = this.attributes.read(row.getString("attributes"));
						}
						catch (IllegalArgumentException ex) {
							// Never the content: it holds the signed-in user's ID token.
							logger.warn("A stored audit page session was refused and ends: " + ex.getMessage());
							return null;
						}
						JdbcSession session = new JdbcSession(id, id, Instant.ofEpochMilli(row.getLong("created_at")),
								Duration.ofSeconds(row.getLong("max_inactive_secs")), new HashMap<>(values),
								this.clock);
						session.setLastAccessedTime(Instant.ofEpochMilli(row.getLong("last_accessed_at")));
						return session;
					}, hash);
		JdbcSession session = found.isEmpty() ? null : found.get(0);
		if (session == null && !found.isEmpty()) {
			this.jdbc.update("DELETE FROM page_session WHERE id_hash = ?", hash);
		}
		return Optional.ofNullable(session);
	}

	private static String newId() {
		return UUID.randomUUID().toString();
	}

	/** The stored key of a session id: a reader of the table cannot present it. */
	static String hash(String id) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A session as this repository keeps it. */
	static final class JdbcSession implements Session {

		private String id;

		/** The id its row is stored under; null until first saved. */
		private @Nullable String storedId;

		private final Instant creationTime;

		private Instant lastAccessedTime;

		private Duration maxInactiveInterval;

		private final Map<String, Object> attributes;

		private final Clock clock;

		JdbcSession(String id, @Nullable String storedId, Instant creationTime, Duration maxInactiveInterval,
				Map<String, Object> attributes, Clock clock) {
			this.clock = clock;
			this.id = id;
			this.storedId = storedId;
			this.creationTime = creationTime;
			this.lastAccessedTime = creationTime;
			this.maxInactiveInterval = maxInactiveInterval;
			this.attributes = attributes;
		}

		@Override
		public String getId() {
			return this.id;
		}

		@Override
		public String changeSessionId() {
			this.id = newId();
			return this.id;
		}

		@Override
		@SuppressWarnings("unchecked")
		public <T> @Nullable T getAttribute(String attributeName) {
			return (T) this.attributes.get(attributeName);
		}

		@Override
		public Set<String> getAttributeNames() {
			return Set.copyOf(this.attributes.keySet());
		}

		@Override
		public void setAttribute(String attributeName, @Nullable Object attributeValue) {
			if (attributeValue == null) {
				this.attributes.remove(attributeName);
			}
			else {
				this.attributes.put(attributeName, attributeValue);
			}
		}

		@Override
		public void removeAttribute(String attributeName) {
			this.attributes.remove(attributeName);
		}

		@Override
		public Instant getCreationTime() {
			return this.creationTime;
		}

		@Override
		public void setLastAccessedTime(Instant lastAccessedTime) {
			this.lastAccessedTime = lastAccessedTime;
		}

		@Override
		public Instant getLastAccessedTime() {
			return this.lastAccessedTime;
		}

		@Override
		public void setMaxInactiveInterval(Duration interval) {
			this.maxInactiveInterval = interval;
		}

		@Override
		public Duration getMaxInactiveInterval() {
			return this.maxInactiveInterval;
		}

		@Override
		public boolean isExpired() {
			return !this.clock.instant().isBefore(this.lastAccessedTime.plus(this.maxInactiveInterval));
		}

	}

}

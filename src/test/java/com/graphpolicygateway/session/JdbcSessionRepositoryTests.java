package com.graphpolicygateway.session;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.scheduler.Schedulers;

import org.springframework.session.Session;

import com.graphpolicygateway.test.AuditDatabases;
import com.graphpolicygateway.test.AuditDatabases.Database;
import com.graphpolicygateway.test.AuditDatabases.Engine;
import com.graphpolicygateway.test.TestClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link JdbcSessionRepository} on SQLite and PostgreSQL: what one repository
 * saves another finds (two replicas on one database), a changed id ends the old one, an
 * idle session expires and is cleaned up, deleting ends it everywhere, rows hold only the
 * id's hash, and a row that cannot be read is no session. Statements run off the calling
 * thread.
 */
class JdbcSessionRepositoryTests {

	private static final Duration TIMEOUT = Duration.ofMinutes(30);

	private final TestClock clock = new TestClock(Instant.parse("2026-11-27T10:00:00Z"));

	private Database database;

	@AfterEach
	void dropDatabase() {
		if (this.database != null) {
			this.database.close();
		}
	}

	@ParameterizedTest
	@EnumSource(Engine.class)
	void saveWhenSignedInThenAnotherReplicaFindsTheSameAttributes(Engine engine) {
		JdbcSessionRepository one = repository(engine);
		JdbcSessionRepository other = repository(this.database);
		Session session = one.createSession().block();
		SessionAttributesTests.signedInSession().forEach(session::setAttribute);

		one.save((JdbcSessionRepository.JdbcSession) session).block();
		Session found = other.findById(session.getId()).block();

		assertThat(found).isNotNull();
		assertThat(found.getId()).isEqualTo(session.getId());
		assertThat(found.getAttributeNames()).isEqualTo(session.getAttributeNames());
		assertThat(found.<String>getAttribute("SPRING_SECURITY_SAVED_REQUEST")).isEqualTo("/audit?result=refused");
		assertThat(found.getCreationTime()).isEqualTo(this.clock.instant());
		assertThat(found.getMaxInactiveInterval()).isEqualTo(TIMEOUT);
	}

	@ParameterizedTest
	@EnumSource(Engine.class)
	void saveWhenNewThenRowHoldsTheIdsHashNotTheId(Engine engine) {
		JdbcSessionRepository sessions = repository(engine);
		JdbcSessionRepository.JdbcSession session = sessions.createSession().block();
		session.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");

		sessions.save(session).block();

		List<String> stored = this.database.jdbc().queryForList("SELECT id_hash FROM page_session", String.class);
		assertThat(stored).containsExactly(JdbcSessionRepository.hash(session.getId())).doesNotContain(session.getId());
		assertThat(this.database.jdbc().queryForObject("SELECT attributes FROM page_session", String.class))
			.doesNotContain(session.getId());
	}

	@ParameterizedTest
	@EnumSource(Engine.class)
	void saveWhenIdChangedThenOnlyTheNewIdFindsIt(Engine engine) {
		JdbcSessionRepository sessions = repository(engine);
		JdbcSessionRepository.JdbcSession session = sessions.createSession().block();
		session.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		sessions.save(session).block();
		String before = session.getId();

		String after = session.changeSessionId();
		sessions.save(session).block();

		assertThat(after).isNotEqualTo(before);
		assertThat(sessions.findById(before).blockOptional()).isEmpty();
		assertThat(sessions.findById(after).blockOptional()).isPresent();
		assertThat(count()).isOne();
	}

	@ParameterizedTest
	@EnumSource(Engine.class)
	void findWhenIdleLongerThanTheTimeoutThenGoneAndItsRowDeleted(Engine engine) {
		JdbcSessionRepository sessions = repository(engine);
		JdbcSessionRepository.JdbcSession session = sessions.createSession().block();
		session.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		sessions.save(session).block();

		this.clock.advance(TIMEOUT.minusSeconds(1));
		assertThat(sessions.findById(session.getId()).blockOptional()).isPresent();
		this.clock.advance(Duration.ofSeconds(1));

		assertThat(sessions.findById(session.getId()).blockOptional()).isEmpty();
		assertThat(count()).isZero();
	}

	@ParameterizedTest
	@EnumSource(Engine.class)
	void saveWhenUsedAgainThenItsExpiryMovesOn(Engine engine) {
		JdbcSessionRepository sessions = repository(engine);
		JdbcSessionRepository.JdbcSession session = sessions.createSession().block();
		session.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		sessions.save(session).block();

		this.clock.advance(TIMEOUT.minusMinutes(1));
		JdbcSessionRepository.JdbcSession used = sessions.findById(session.getId()).block();
		used.setLastAccessedTime(this.clock.instant());
		sessions.save(used).block();
		this.clock.advance(Duration.ofMinutes(2));

		assertThat(sessions.findById(session.getId()).blockOptional()).isPresent();
	}

	@ParameterizedTest
	@EnumSource(Engine.class)
	void deleteExpiredThenOnlyExpiredRowsGo(Engine engine) {
		JdbcSessionRepository sessions = repository(engine);
		JdbcSessionRepository.JdbcSession old = sessions.createSession().block();
		old.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		sessions.save(old).block();
		this.clock.advance(TIMEOUT.minusMinutes(1));
		JdbcSessionRepository.JdbcSession fresh = sessions.createSession().block();
		fresh.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		sessions.save(fresh).block();
		this.clock.advance(Duration.ofMinutes(1));

		assertThat(sessions.deleteExpired()).isOne();

		assertThat(count()).isOne();
		assertThat(sessions.findById(fresh.getId()).blockOptional()).isPresent();
	}

	@ParameterizedTest
	@EnumSource(Engine.class)
	void deleteByIdThenNoReplicaFindsIt(Engine engine) {
		JdbcSessionRepository one = repository(engine);
		JdbcSessionRepository other = repository(this.database);
		JdbcSessionRepository.JdbcSession session = one.createSession().block();
		session.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		one.save(session).block();

		other.deleteById(session.getId()).block();

		assertThat(one.findById(session.getId()).blockOptional()).isEmpty();
		assertThat(count()).isZero();
	}

	@ParameterizedTest
	@EnumSource(Engine.class)
	void findWhenStoredAttributesNameAClassOutsideTheAllowListThenNoSessionAndRowDeleted(Engine engine) {
		JdbcSessionRepository sessions = repository(engine);
		JdbcSessionRepository.JdbcSession session = sessions.createSession().block();
		session.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		sessions.save(session).block();
		this.database.jdbc()
			.update("UPDATE page_session SET attributes = ?",
					"{\"@class\":\"java.util.HashMap\",\"x\":{\"@class\":\"java.net.URL\",\"host\":\"attacker.example\"}}");

		assertThat(sessions.findById(session.getId()).blockOptional()).isEmpty();
		assertThat(count()).isZero();
	}

	@ParameterizedTest
	@EnumSource(Engine.class)
	void statementsThenRunOnBoundedElasticThreads(Engine engine) {
		JdbcSessionRepository sessions = repository(engine);
		JdbcSessionRepository.JdbcSession session = sessions.createSession().block();
		session.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		String[] thread = new String[1];

		sessions.save(session)
			.then(sessions.findById(session.getId()))
			.doOnNext((found) -> thread[0] = Thread.currentThread().getName())
			.subscribeOn(Schedulers.parallel())
			.block();

		assertThat(thread[0]).startsWith("boundedElastic-");
	}

	private JdbcSessionRepository repository(Engine engine) {
		this.database = AuditDatabases.create(engine);
		return repository(this.database);
	}

	private JdbcSessionRepository repository(Database database) {
		return new JdbcSessionRepository(database.jdbc(), database.transactions(),
				new SessionAttributes(getClass().getClassLoader()), TIMEOUT, this.clock);
	}

	private int count() {
		return this.database.jdbc().queryForObject("SELECT COUNT(*) FROM page_session", Integer.class);
	}

}

package com.graphpolicygateway.session;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.session.ReactiveSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.data.redis.ReactiveRedisSessionRepository;

import com.graphpolicygateway.ratelimit.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis store as {@link SessionConfiguration} makes it, on the machine's Redis: what
 * one replica saves another reads back (the signed-in user's security context included),
 * as JSON under the gateway's key prefix, an idle session expires in Redis itself, and
 * deleting ends it for every replica.
 */
class RedisSessionsTests {

	private LettuceConnectionFactory redis;

	@BeforeEach
	void connect() {
		this.redis = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(TestRedis.HOST, TestRedis.sharedPort()));
		this.redis.afterPropertiesSet();
		this.redis.start();
	}

	@AfterEach
	void disconnect() {
		this.redis.destroy();
	}

	@Test
	void saveThenAnotherReplicaReadsTheSignedInUserBackFromJson() {
		ReactiveSessionRepository<Session> one = sessions(Duration.ofMinutes(30));
		ReactiveSessionRepository<Session> other = sessions(Duration.ofMinutes(30));
		Session session = one.createSession().block();
		Map<String, Object> signedIn = SessionAttributesTests.signedInSession();
		signedIn.forEach(session::setAttribute);

		one.save(session).block();
		Session found = other.findById(session.getId()).block();

		assertThat(found).isNotNull();
		assertThat(found.getAttributeNames()).containsExactlyInAnyOrderElementsOf(signedIn.keySet());
		assertThat(found.<SecurityContextImpl>getAttribute("SPRING_SECURITY_CONTEXT").getAuthentication().getName())
			.isEqualTo("subject-1");
		String key = SessionConfiguration.REDIS_NAMESPACE + ":sessions:" + session.getId();
		String stored = new ReactiveStringRedisTemplate(this.redis).<String, String>opsForHash()
			.get(key, "sessionAttr:SPRING_SECURITY_CONTEXT")
			.block();
		assertThat(stored).startsWith("{\"@class\":\"org.springframework.security.core.context.SecurityContextImpl\"");
		one.deleteById(session.getId()).block();
	}

	@Test
	void findWhenIdleLongerThanTheTimeoutThenRedisHasLetItGo() {
		ReactiveSessionRepository<Session> sessions = sessions(Duration.ofSeconds(1));
		Session session = sessions.createSession().block();
		session.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		sessions.save(session).block();
		String key = SessionConfiguration.REDIS_NAMESPACE + ":sessions:" + session.getId();
		ReactiveStringRedisTemplate template = new ReactiveStringRedisTemplate(this.redis);
		assertThat(template.getExpire(key).block()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));

		await().atMost(Duration.ofSeconds(10)).until(() -> !template.hasKey(key).block());

		assertThat(sessions.findById(session.getId()).blockOptional()).isEmpty();
	}

	@Test
	void deleteThroughOneReplicaThenGoneForTheOther() {
		ReactiveSessionRepository<Session> one = sessions(Duration.ofMinutes(30));
		ReactiveSessionRepository<Session> other = sessions(Duration.ofMinutes(30));
		Session session = one.createSession().block();
		session.setAttribute("SPRING_SECURITY_SAVED_REQUEST", "/audit");
		one.save(session).block();

		other.deleteById(session.getId()).block();

		assertThat(one.findById(session.getId()).blockOptional()).isEmpty();
	}

	/**
	 * The store as the gateway makes it, seen through its interface (its session type is
	 * private).
	 */
	@SuppressWarnings("unchecked")
	private ReactiveSessionRepository<Session> sessions(Duration timeout) {
		ReactiveRedisSessionRepository sessions = new SessionConfiguration.PageSessions().redisSessions(this.redis,
				new SessionAttributes(getClass().getClassLoader()), timeout);
		return (ReactiveSessionRepository<Session>) (ReactiveSessionRepository<?>) sessions;
	}

}

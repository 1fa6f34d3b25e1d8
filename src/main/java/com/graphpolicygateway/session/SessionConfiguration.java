package com.graphpolicygateway.session;

import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.session.ReactiveSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.data.redis.ReactiveRedisSessionRepository;
import org.springframework.session.web.server.session.SpringSessionWebSessionStore;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import org.springframework.web.server.session.DefaultWebSessionManager;
import org.springframework.web.server.session.WebSessionIdResolver;
import org.springframework.web.server.session.WebSessionManager;

import com.graphpolicygateway.graph.AuditPagePaths;
import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.system.PublicLinks;

/**
 * Where the audit page's sign-in sessions live, so that a browser signed in through one
 * replica stays signed in through every other: Spring Session's Redis store when the
 * gateway uses Redis ({@code graph-gateway.rate-limit.store=redis}, with
 * {@code spring.data.redis.*}), otherwise the audit database every replica already
 * shares. Sessions end after {@code server.reactive.session.timeout} without a request.
 * The session cookie's attributes are set here for any session the gateway hands out.
 */
@Configuration(proxyBeanMethods = false)
@Profile("!" + GatewayProfiles.BARE)
class SessionConfiguration {

	/** Prefix of the sessions' Redis keys. */
	static final String REDIS_NAMESPACE = "graph-gateway:session";

	@Bean
	WebSessionIdResolver webSessionIdResolver(PublicLinks links) {
		return SessionCookie.resolver(links);
	}

	/** The page's sessions, where every replica finds them. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(AuditPagePaths.CLIENT_ID_PROPERTY)
	static class PageSessions {

		@Bean(WebHttpHandlerBuilder.WEB_SESSION_MANAGER_BEAN_NAME)
		WebSessionManager webSessionManager(ReactiveSessionRepository<? extends Session> sessions,
				WebSessionIdResolver cookie, Clock clock) {
			DefaultWebSessionManager manager = new DefaultWebSessionManager();
			manager.setSessionStore(store(sessions, clock));
			manager.setSessionIdResolver(cookie);
			return manager;
		}

		@Bean
		SessionAttributes sessionAttributes() {
			return new SessionAttributes(SessionConfiguration.class.getClassLoader());
		}

		@Bean
		@ConditionalOnProperty(name = "graph-gateway.rate-limit.store", havingValue = "redis")
		ReactiveRedisSessionRepository redisSessions(ReactiveRedisConnectionFactory redis, SessionAttributes attributes,
				@Value("${server.reactive.session.timeout:30m}") Duration timeout) {
			RedisSerializer<Object> values = attributes.redisSerializer();
			RedisSerializationContext<String, Object> serialization = RedisSerializationContext
				.<String, Object>newSerializationContext(RedisSerializer.string())
				.value(values)
				.hashKey(RedisSerializer.string())
				.hashValue(values)
				.build();
			ReactiveRedisSessionRepository sessions = new ReactiveRedisSessionRepository(
					new ReactiveRedisTemplate<>(redis, serialization));
			sessions.setRedisKeyNamespace(REDIS_NAMESPACE);
			sessions.setDefaultMaxInactiveInterval(timeout);
			return sessions;
		}

		@Bean(initMethod = "start", destroyMethod = "stop")
		@ConditionalOnProperty(name = "graph-gateway.rate-limit.store", havingValue = "local", matchIfMissing = true)
		JdbcSessionRepository jdbcSessions(DataSource dataSource, SessionAttributes attributes,
				@Value("${server.reactive.session.timeout:30m}") Duration timeout, Clock clock) {
			return new JdbcSessionRepository(new JdbcTemplate(dataSource),
					new TransactionTemplate(new DataSourceTransactionManager(dataSource)), attributes, timeout, clock);
		}

		private static <S extends Session> SpringSessionWebSessionStore<S> store(ReactiveSessionRepository<S> sessions,
				Clock clock) {
			SpringSessionWebSessionStore<S> store = new SpringSessionWebSessionStore<>(sessions);
			store.setClock(clock);
			return store;
		}

	}

}

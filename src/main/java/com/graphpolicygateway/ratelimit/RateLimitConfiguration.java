package com.graphpolicygateway.ratelimit;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * Rate limits: token buckets and operation windows, in memory or in Redis when
 * configured, the route filter and health.
 */
@Configuration(proxyBeanMethods = false)
@Profile("!" + GatewayProfiles.BARE)
class RateLimitConfiguration {

	@Bean
	RateLimiter rateLimiter(GraphGatewayProperties properties, ObjectProvider<ReactiveStringRedisTemplate> redis,
			MeterRegistry meters) {
		GraphGatewayProperties.RateLimit config = properties.rateLimit();
		RedisTokenBuckets shared = (config.store() == GraphGatewayProperties.RateLimit.Store.REDIS)
				? new RedisTokenBuckets(redis.getObject(), config.redisKeyPrefix(), config.redisTimeout()) : null;
		return new RateLimiter(new LocalTokenBuckets(System::nanoTime), shared, config.redisUnavailable(), meters);
	}

	@Bean
	OperationLimiter operationLimiter(GraphGatewayProperties properties,
			ObjectProvider<ReactiveStringRedisTemplate> redis, MeterRegistry meters) {
		GraphGatewayProperties.RateLimit config = properties.rateLimit();
		RedisOperationWindows shared = (config.store() == GraphGatewayProperties.RateLimit.Store.REDIS)
				? new RedisOperationWindows(redis.getObject(), config.redisKeyPrefix(), config.redisTimeout()) : null;
		return new OperationLimiter(new LocalOperationWindows(System::nanoTime), shared, config.redisUnavailable(),
				meters);
	}

	@Bean
	RateLimitGatewayFilterFactory rateLimitGatewayFilterFactory(RateLimiter limiter, OperationLimiter operations,
			GraphErrorResponder errors, MeterRegistry meters) {
		return new RateLimitGatewayFilterFactory(limiter, operations, errors, meters);
	}

	@Bean
	RateLimitHealthIndicator rateLimitHealthIndicator(RateLimiter limiter) {
		return new RateLimitHealthIndicator(limiter);
	}

}

package com.graphpolicygateway.upstream;

import java.util.Locale;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.util.Assert;

/**
 * Says whether the gateway is calling Graph or pausing (the upstream circuit's state),
 * and the failure rate it decides on. An open circuit does not take the gateway down: it
 * answers 503 with {@code Retry-After} by design, and Graph is what is failing.
 */
final class UpstreamCircuitHealthIndicator extends AbstractHealthIndicator {

	private final CircuitBreaker breaker;

	UpstreamCircuitHealthIndicator(CircuitBreaker breaker) {
		Assert.notNull(breaker, "breaker cannot be null");
		this.breaker = breaker;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		CircuitBreaker.Metrics metrics = this.breaker.getMetrics();
		builder.up()
			.withDetail("state", this.breaker.getState().name().toLowerCase(Locale.ROOT))
			.withDetail("failureRate", metrics.getFailureRate())
			.withDetail("bufferedCalls", metrics.getNumberOfBufferedCalls())
			.withDetail("notPermittedCalls", metrics.getNumberOfNotPermittedCalls());
	}

}

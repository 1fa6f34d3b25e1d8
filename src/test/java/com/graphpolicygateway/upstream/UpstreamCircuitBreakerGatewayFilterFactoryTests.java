package com.graphpolicygateway.upstream;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;

import com.graphpolicygateway.graph.GatewayRefusal;
import com.graphpolicygateway.graph.GraphErrorResponder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UpstreamCircuitBreakerGatewayFilterFactory}: the filter alone, with a
 * stub chain standing for the call to Graph.
 */
class UpstreamCircuitBreakerGatewayFilterFactoryTests {

	final AtomicInteger calls = new AtomicInteger();

	final MockServerWebExchange exchange = MockServerWebExchange
		.from(MockServerHttpRequest.patch("/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd"));

	@Test
	void filterWhenCircuitOpenThenServiceNotAvailableWithRetryAfterAndGraphNotCalled() {
		CircuitBreaker breaker = breaker(Duration.ofSeconds(30));
		breaker.transitionToOpenState();

		filter(breaker, answering(HttpStatus.NO_CONTENT)).block();

		assertThat(this.calls).hasValue(0);
		assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(this.exchange.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("30");
		assertThat(this.exchange.getResponse().getBodyAsString().block()).contains("\"code\":\"serviceNotAvailable\"");
		assertThat(GatewayRefusal.from(this.exchange).reason()).isEqualTo("circuit_open");
	}

	@Test
	void filterWhenOpenDurationIsNotWholeSecondsThenRetryAfterRoundsUp() {
		// Retry-After must not invite a retry before the circuit lets a trial call
		// through
		CircuitBreaker breaker = breaker(Duration.ofMillis(1500));
		breaker.transitionToOpenState();

		filter(breaker, answering(HttpStatus.NO_CONTENT)).block();

		assertThat(this.exchange.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("2");
	}

	@Test
	void filterWhenGraphAnswersWithAnErrorStatusThenCountedAsSuccess() {
		CircuitBreaker breaker = breaker(Duration.ofSeconds(30));

		filter(breaker, answering(HttpStatus.TOO_MANY_REQUESTS)).block();
		filter(breaker, answering(HttpStatus.SERVICE_UNAVAILABLE)).block();

		assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(2);
		assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
	}

	@Test
	void filterWhenTheCallFailsThenCountedAsFailureAndTheErrorPassedOn() {
		CircuitBreaker breaker = breaker(Duration.ofSeconds(30));
		ResponseStatusException timeout = new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT, "timeout",
				new TimeoutException());

		StepVerifier.create(filter(breaker, (exchange) -> Mono.error(timeout))).verifyErrorMatches(timeout::equals);

		assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
		assertThat(this.exchange.getResponse().isCommitted()).isFalse();
	}

	private Mono<Void> filter(CircuitBreaker breaker, GatewayFilterChain chain) {
		GraphErrorResponder errors = new GraphErrorResponder(JsonMapper.builder().build(), Clock.systemUTC());
		GatewayFilter filter = new UpstreamCircuitBreakerGatewayFilterFactory(breaker, errors).apply(new Object());
		return filter.filter(this.exchange, chain);
	}

	private GatewayFilterChain answering(HttpStatus status) {
		// Lazy, as the gateway's own chain: nothing happens until subscribed to
		return (exchange) -> Mono.defer(() -> {
			this.calls.incrementAndGet();
			exchange.getResponse().setStatusCode(status);
			return exchange.getResponse().setComplete();
		});
	}

	private static CircuitBreaker breaker(Duration openDuration) {
		return CircuitBreaker.of("graph",
				CircuitBreakerConfig.custom()
					.failureRateThreshold(50)
					.minimumNumberOfCalls(4)
					.slidingWindowSize(4)
					.waitDurationInOpenState(openDuration)
					.permittedNumberOfCallsInHalfOpenState(1)
					.build());
	}

}

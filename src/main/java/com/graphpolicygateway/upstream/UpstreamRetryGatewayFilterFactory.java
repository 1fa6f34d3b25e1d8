package com.graphpolicygateway.upstream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpStatusCode;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * The optional, off-by-default retry: when Graph answers 429 or 503 <em>with</em>
 * {@code Retry-After}, the call is sent again after the time Graph asked for, as long as
 * the whole wait fits the time budget and attempts remain. Graph did not process a
 * throttled call, so this is not a blind retry of a PATCH; without {@code Retry-After},
 * or past the budget, Graph's answer is relayed unchanged.
 */
public class UpstreamRetryGatewayFilterFactory extends AbstractGatewayFilterFactory<GraphGatewayProperties.Retry> {

	private final Clock clock;

	private final Counter retries;

	UpstreamRetryGatewayFilterFactory(Clock clock, MeterRegistry meters) {
		super(GraphGatewayProperties.Retry.class);
		Assert.notNull(clock, "clock cannot be null");
		this.clock = clock;
		this.retries = Counter.builder("graph_gateway.upstream.retries")
			.description("Calls sent again because Graph asked to (429/503 with Retry-After)")
			.register(meters);
	}

	@Override
	public GatewayFilter apply(GraphGatewayProperties.Retry config) {
		if (!config.enabled()) {
			return (exchange, chain) -> chain.filter(exchange);
		}
		return (exchange, chain) -> attempt(exchange, chain, config, 1, this.clock.instant().plus(config.budget()));
	}

	private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain,
			GraphGatewayProperties.Retry config, int attempt, Instant deadline) {
		return chain.filter(exchange).then(Mono.defer(() -> {
			Duration wait = retryAfter(exchange);
			if (wait == null || attempt >= config.maxAttempts() || exchange.getResponse().isCommitted()
					|| this.clock.instant().plus(wait).isAfter(deadline)) {
				return Mono.empty();
			}
			// Drop Graph's answer (and its connection) before asking again.
			ServerWebExchangeUtils.reset(exchange);
			this.retries.increment();
			return Mono.delay(wait).then(attempt(exchange, chain, config, attempt + 1, deadline));
		}));
	}

	/** The wait Graph asked for, when its answer is a throttling one that names it. */
	private @Nullable Duration retryAfter(ServerWebExchange exchange) {
		if (exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR) == null) {
			return null;
		}
		HttpStatusCode status = exchange.getResponse().getStatusCode();
		if (status == null || (status.value() != 429 && status.value() != 503)) {
			return null;
		}
		String value = exchange.getResponse().getHeaders().getFirst("Retry-After");
		if (value == null) {
			return null;
		}
		try {
			long seconds = Long.parseLong(value.trim());
			return (seconds >= 0) ? Duration.ofSeconds(seconds) : null;
		}
		catch (NumberFormatException notSeconds) {
			try {
				Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
				Duration wait = Duration.between(this.clock.instant(), at);
				return wait.isNegative() ? Duration.ZERO : wait;
			}
			catch (DateTimeParseException notADate) {
				return null;
			}
		}
	}

}

package com.graphpolicygateway.audit.write;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriUtils;

import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationRequest;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.UpstreamAuthorization;
import com.graphpolicygateway.policy.PolicyDecision;
import com.graphpolicygateway.policy.PolicyDecision.CaptureBefore;
import com.graphpolicygateway.system.ConnectionEventLoops;

/**
 * Reads a change's before-image: when the tenant's policy sets {@code capture-before} and
 * the catalogue marks the operation {@code readable}, the properties the body changes are
 * read from Graph ({@code GET} of the call's own path with
 * {@code $select=<the body's property names>}, the Graph token the forward uses) before
 * the call is forwarded, under a timeout of their own. Redacted properties are never
 * asked for. What was read is handed to the audit stage, which records it in the change's
 * own event: the old values beside the new ones, how the read went and how long it took.
 * When the read fails, {@code best-effort} forwards the call anyway (the event says why
 * the before-image is unavailable), {@code required} refuses it: 503
 * {@code serviceNotAvailable} with {@code Retry-After}, audited, never forwarded.
 */
public class BeforeImageGatewayFilterFactory
		extends AbstractGatewayFilterFactory<BeforeImageGatewayFilterFactory.Config> {

	/** The audit reason of a change refused because its required before-image failed. */
	public static final String REFUSAL_REASON = "before_image_unavailable";

	/**
	 * The {@code Retry-After} of a refusal when Graph named no wait (a timeout, an
	 * error).
	 */
	static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);

	/** The longest wait of Graph's passed on to the caller. */
	static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

	private static final Log logger = LogFactory.getLog(BeforeImageGatewayFilterFactory.class);

	private static final ParameterizedTypeReference<Map<String, @Nullable Object>> JSON = new ParameterizedTypeReference<>() {
	};

	/**
	 * The property names asked for: OData identifiers only, so that nothing a body holds
	 * can add to the query ({@code $select} is encoded as well). Others (annotations such
	 * as {@code @odata.type}) are not read.
	 */
	private static final Pattern SELECTABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

	private final WebClient webClient;

	private final String graphBaseUri;

	private final AuditEventFactory events;

	private final GraphErrorResponder errors;

	private final JsonMapper json;

	public BeforeImageGatewayFilterFactory(WebClient webClient, URI graphBaseUri, AuditEventFactory events,
			GraphErrorResponder errors, JsonMapper json) {
		super(Config.class);
		Assert.notNull(webClient, "webClient cannot be null");
		Assert.notNull(graphBaseUri, "graphBaseUri cannot be null");
		Assert.notNull(events, "events cannot be null");
		Assert.notNull(errors, "errors cannot be null");
		Assert.notNull(json, "json cannot be null");
		this.webClient = webClient;
		this.graphBaseUri = graphBaseUri.toString().replaceAll("/$", "");
		this.events = events;
		this.errors = errors;
		this.json = json;
	}

	@Override
	public GatewayFilter apply(Config config) {
		Assert.notNull(config.timeout, "timeout cannot be null");
		Assert.isTrue(!config.timeout.isNegative() && !config.timeout.isZero(), "timeout must be positive");
		return new BeforeImageFilter(config.timeout);
	}

	/**
	 * Whether this call's before-image is read: the tenant captures before-images, the
	 * operation is readable, and the body changes a property that is not redacted. Calls
	 * whose before-image is not read do not meet the stage at all (no span).
	 */
	public boolean reads(ServerWebExchange exchange) {
		OperationRequest request = OperationRequest.from(exchange);
		PolicyDecision decision = PolicyDecision.from(exchange);
		return request != null && decision != null && decision.captureBefore() != CaptureBefore.OFF
				&& request.operation().audit().readable() && !selected(request).isEmpty();
	}

	/** The body's properties to read: never a redacted one, each once. */
	private List<String> selected(OperationRequest request) {
		Operation operation = request.operation();
		List<String> select = new ArrayList<>();
		for (String name : request.propertyNames()) {
			if (SELECTABLE.matcher(name).matches() && !this.events.redacts(operation, name)
					&& select.stream().noneMatch(name::equalsIgnoreCase)) {
				select.add(name);
			}
		}
		return select;
	}

	/** How long the read may take. */
	public static class Config {

		private Duration timeout = Duration.ofSeconds(2);

		public Config timeout(Duration timeout) {
			this.timeout = timeout;
			return this;
		}

	}

	private final class BeforeImageFilter implements GatewayFilter {

		private final Duration timeout;

		BeforeImageFilter(Duration timeout) {
			this.timeout = timeout;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			if (!reads(exchange)) {
				return chain.filter(exchange);
			}
			OperationRequest request = OperationRequest.from(exchange);
			PolicyDecision decision = PolicyDecision.from(exchange);
			Assert.state(request != null && decision != null, "reads() checked both");
			List<String> select = selected(request);
			boolean required = decision.captureBefore() == CaptureBefore.REQUIRED;
			Scheduler connectionLoop = ConnectionEventLoops.schedulerOf(exchange);
			long started = System.nanoTime();
			return read(exchange, select).timeout(this.timeout, connectionLoop)
				.onErrorResume((ex) -> Mono.just(failed(ex)))
				.publishOn(connectionLoop)
				.flatMap((outcome) -> {
					BeforeImageRead read = toRead(outcome, select, elapsedMillis(started));
					read.storeOn(exchange);
					if (read.status().captured()) {
						return chain.filter(exchange);
					}
					RequestCorrelation.of(exchange)
						.log(() -> logger.warn("Before-image of " + request.operation().id() + " unavailable ("
								+ read.status().reason() + ")" + (required ? "; the call is refused" : "")));
					return required ? refuse(exchange, read, outcome.retryAfter()) : chain.filter(exchange);
				});
		}

		private Mono<Outcome> read(ServerWebExchange exchange, List<String> select) {
			String authorization = authorization(exchange);
			if (authorization == null) {
				return Mono.just(Outcome.failure("no_upstream_token"));
			}
			URI uri = URI.create(BeforeImageGatewayFilterFactory.this.graphBaseUri + versioned(exchange) + "?$select="
					+ UriUtils.encodeQueryParam(String.join(",", select), StandardCharsets.UTF_8));
			String clientRequestId = RequestCorrelation.of(exchange).clientRequestId();
			return BeforeImageGatewayFilterFactory.this.webClient.get().uri(uri).headers((headers) -> {
				headers.set(HttpHeaders.AUTHORIZATION, authorization);
				headers.set(RequestCorrelation.CLIENT_REQUEST_ID, clientRequestId);
			}).accept(MediaType.APPLICATION_JSON).exchangeToMono(this::answer);
		}

		private Mono<Outcome> answer(ClientResponse response) {
			int status = response.statusCode().value();
			if (status != 200) {
				Duration retryAfter = (status == 429 || status == 503)
						? retryAfter(response.headers().header(HttpHeaders.RETRY_AFTER)) : null;
				return response.releaseBody().thenReturn(Outcome.failure(reasonOf(status), retryAfter));
			}
			return response.bodyToMono(JSON)
				.map(Outcome::of)
				.onErrorResume((ex) -> Mono.just(Outcome.failure("graph_invalid_answer")))
				.defaultIfEmpty(Outcome.failure("graph_invalid_answer"));
		}

		private Outcome failed(Throwable ex) {
			return Outcome.failure((ex instanceof TimeoutException) ? "timeout" : "graph_unreachable");
		}

		private Mono<Void> refuse(ServerWebExchange exchange, BeforeImageRead read, @Nullable Duration retryAfter) {
			String wait = Long.toString(((retryAfter != null) ? retryAfter : DEFAULT_RETRY_AFTER).toSeconds());
			return BeforeImageGatewayFilterFactory.this.errors.respond(exchange, HttpStatus.SERVICE_UNAVAILABLE,
					GraphErrorCodes.SERVICE_NOT_AVAILABLE, REFUSAL_REASON,
					"The tenant's policy requires the values this change replaces to be read from Graph first, "
							+ "and that read failed (" + read.status().reason() + "), so the change was not forwarded.",
					(headers) -> headers.set(HttpHeaders.RETRY_AFTER, wait));
		}

		/** A value read, as the trail stores a body's: a string's text, else JSON. */
		private @Nullable String text(@Nullable Object value) {
			if (value == null || value instanceof String) {
				return (String) value;
			}
			return BeforeImageGatewayFilterFactory.this.json.writeValueAsString(value);
		}

		/**
		 * What the read ended with: Graph's properties (case as Graph spells them), or a
		 * reason.
		 */
		private record Outcome(@Nullable Map<String, @Nullable Object> properties, @Nullable String reason,
				@Nullable Duration retryAfter) {

			static Outcome of(Map<String, @Nullable Object> body) {
				Map<String, @Nullable Object> properties = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
				properties.putAll(body);
				return new Outcome(properties, null, null);
			}

			static Outcome failure(String reason) {
				return new Outcome(null, reason, null);
			}

			static Outcome failure(String reason, @Nullable Duration retryAfter) {
				return new Outcome(null, reason, retryAfter);
			}

		}

		private BeforeImageRead toRead(Outcome outcome, List<String> select, long latencyMillis) {
			if (outcome.properties() == null) {
				return BeforeImageRead.unavailable((outcome.reason() != null) ? outcome.reason() : "graph_error",
						latencyMillis);
			}
			Map<String, @Nullable String> old = new LinkedHashMap<>();
			for (String name : select) {
				old.put(name, text(outcome.properties().get(name)));
			}
			return BeforeImageRead.captured(old, latencyMillis);
		}

	}

	/**
	 * The wait Graph asked for in a throttled or unavailable answer, in whole seconds
	 * (the form Graph sends), at most {@link #MAX_RETRY_AFTER}; null when it named none.
	 */
	static @Nullable Duration retryAfter(List<String> values) {
		if (values.isEmpty()) {
			return null;
		}
		try {
			long seconds = Long.parseLong(values.get(0).trim());
			return (seconds >= 0) ? Duration.ofSeconds(Math.min(seconds, MAX_RETRY_AFTER.toSeconds())) : null;
		}
		catch (NumberFormatException notSeconds) {
			return null;
		}
	}

	/**
	 * The reason code of a failed read: {@code graph_404} (no such resource),
	 * {@code throttled} (429), else {@code graph_error_<status>}.
	 */
	static String reasonOf(int status) {
		return switch (status) {
			case 404 -> "graph_404";
			case 429 -> "throttled";
			default -> "graph_error_" + status;
		};
	}

	/** The Graph token the forward uses: the upstream stage's, else the caller's own. */
	private static @Nullable String authorization(ServerWebExchange exchange) {
		UpstreamAuthorization upstream = UpstreamAuthorization.from(exchange);
		if (upstream != null) {
			return upstream.headerValue();
		}
		return exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
	}

	/**
	 * The call's own path (as sent, validated), under Graph's default version when bare.
	 */
	private static String versioned(ServerWebExchange exchange) {
		String path = exchange.getRequest().getURI().getRawPath();
		for (String version : Operation.VERSIONS) {
			if (path.startsWith(version + "/")) {
				return path;
			}
		}
		return Operation.DEFAULT_VERSION + path;
	}

	private static long elapsedMillis(long startedNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
	}

}

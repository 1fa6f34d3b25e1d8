package com.graphpolicygateway.routing;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.system.ConnectionEventLoops;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.BodySchema;
import com.graphpolicygateway.graph.IdPattern;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.OperationMatch;
import com.graphpolicygateway.graph.OperationRequest;
import com.graphpolicygateway.graph.BodyProperty;
import com.graphpolicygateway.graph.GraphErrorCodes;

/**
 * The first filter of every operation's route: refuses what is malformed before any
 * policy runs. It checks the ids in the path, the content type, the body size (with or
 * without Content-Length), the time the body takes to arrive and the body against the
 * operation's schema, then hands the exact bytes on to be forwarded and the parsed call
 * ({@link OperationRequest}) on to the later stages.
 */
public class RequestGuardGatewayFilterFactory
		extends AbstractGatewayFilterFactory<RequestGuardGatewayFilterFactory.Config> {

	/** Audit reason of a body that did not arrive within the body timeout. */
	static final String BODY_TIMEOUT_REASON = "body_timeout";

	private final GraphErrorResponder errors;

	private final OperationCatalogue catalogue;

	public RequestGuardGatewayFilterFactory(GraphErrorResponder errors, OperationCatalogue catalogue) {
		super(Config.class);
		Assert.notNull(errors, "errors cannot be null");
		Assert.notNull(catalogue, "catalogue cannot be null");
		this.errors = errors;
		this.catalogue = catalogue;
	}

	@Override
	public GatewayFilter apply(Config config) {
		Assert.notNull(config.operation, "operation cannot be null");
		PathVariableValidator ids = new PathVariableValidator(config.maxIdLength);
		BodyValidator bodies = new BodyValidator(config.maxJsonDepth);
		Assert.isTrue(!config.bodyTimeout.isNegative() && !config.bodyTimeout.isZero(), "bodyTimeout must be positive");
		return new RequestGuard(config.operation, ids, bodies, config.bodyTimeout);
	}

	/** How strict the guard is. */
	public static class Config {

		private @Nullable Operation operation;

		private int maxIdLength = 256;

		private int maxJsonDepth = 32;

		private Duration bodyTimeout = Duration.ofSeconds(30);

		/** The operation whose path and body rules the guard applies. */
		public Config operation(Operation operation) {
			this.operation = operation;
			return this;
		}

		public Config maxIdLength(int maxIdLength) {
			this.maxIdLength = maxIdLength;
			return this;
		}

		public Config maxJsonDepth(int maxJsonDepth) {
			this.maxJsonDepth = maxJsonDepth;
			return this;
		}

		public Config bodyTimeout(Duration bodyTimeout) {
			this.bodyTimeout = bodyTimeout;
			return this;
		}

	}

	/**
	 * The guard's own body read went over the limit; not confused with downstream errors.
	 */
	private static final class BodyTooLargeException extends RuntimeException {

		BodyTooLargeException() {
			super(null, null, false, false);
		}

	}

	private final class RequestGuard implements GatewayFilter {

		private final Operation operation;

		private final PathVariableValidator ids;

		private final BodyValidator bodies;

		private final int maxBytes;

		private final Duration bodyTimeout;

		RequestGuard(Operation operation, PathVariableValidator ids, BodyValidator bodies, Duration bodyTimeout) {
			this.operation = operation;
			this.ids = ids;
			this.bodies = bodies;
			this.maxBytes = operation.body().maxBytes();
			this.bodyTimeout = bodyTimeout;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			ServerHttpRequest request = exchange.getRequest();
			OperationMatch match = RequestGuardGatewayFilterFactory.this.catalogue.matchOn(exchange);
			if (match == null || !match.operation().id().equals(this.operation.id())) {
				throw new IllegalStateException("The route of " + this.operation.id() + " took a request "
						+ "the catalogue matches to " + ((match != null) ? match.operation().id() : "no operation"));
			}
			String target = null;
			for (Map.Entry<String, IdPattern> variable : this.operation.pathVariables().entrySet()) {
				PathVariableValidator.Result id = this.ids.validate(match.rawVariables().get(variable.getKey()),
						variable.getValue(), noun(variable.getKey()));
				if (id.refusal() != null) {
					return refuse(exchange, RequestRefusal.badRequest(id.refusal()));
				}
				target = id.id();
			}
			String targetId = target;
			// Known from here on: a refusal of the body is still audited against its
			// target.
			new OperationRequest(this.operation, targetId, List.of()).storeOn(exchange);
			RequestRefusal mediaTypeRefusal = checkMediaType(request);
			if (mediaTypeRefusal != null) {
				return refuse(exchange, mediaTypeRefusal);
			}
			if (request.getHeaders().getContentLength() > this.maxBytes) {
				return refuse(exchange, tooLarge());
			}
			return DataBufferUtils.join(request.getBody(), this.maxBytes)
				// A body that keeps the gateway waiting is refused on the connection's
				// own loop; the connection is closed behind it (RequestArrivalGuard for
				// others).
				.timeout(this.bodyTimeout, ConnectionEventLoops.schedulerOf(exchange))
				.map(RequestGuard::drain)
				.defaultIfEmpty(new byte[0])
				.onErrorMap(DataBufferLimitException.class, (ex) -> new BodyTooLargeException())
				.flatMap((body) -> {
					List<BodyProperty> properties;
					try {
						properties = this.bodies.properties(body, this.operation);
					}
					catch (BodyValidator.InvalidBodyException ex) {
						return refuse(exchange, RequestRefusal.badRequest(ex.getMessage()));
					}
					new OperationRequest(this.operation, targetId, properties).storeOn(exchange);
					return chain.filter(exchange.mutate().request(withBody(exchange, body)).build());
				})
				.onErrorResume(BodyTooLargeException.class, (ex) -> refuse(exchange, tooLarge()))
				.onErrorResume(TimeoutException.class, (ex) -> bodyTimedOut(exchange));
		}

		private Mono<Void> bodyTimedOut(ServerWebExchange exchange) {
			return RequestGuardGatewayFilterFactory.this.errors.respond(exchange, HttpStatus.REQUEST_TIMEOUT,
					GraphErrorCodes.REQUEST_TIMEOUT, BODY_TIMEOUT_REASON,
					"The request body did not arrive within " + this.bodyTimeout.toMillis() + " ms.",
					(headers) -> headers.set(HttpHeaders.CONNECTION, "close"));
		}

		private RequestRefusal tooLarge() {
			return new RequestRefusal(HttpStatus.PAYLOAD_TOO_LARGE, GraphErrorCodes.REQUEST_TOO_LARGE,
					"The request body is larger than " + this.maxBytes + " bytes.");
		}

		/**
		 * What the refusals call a variable: the target by its resource type ("user id",
		 * "managed device id"), any other by its name.
		 */
		private String noun(String variable) {
			if (!variable.equals(this.operation.targetVariable())) {
				return "path segment {" + variable + "}";
			}
			String spaced = this.operation.audit().resourceType().replaceAll("([a-z])([A-Z])", "$1 $2");
			return spaced.toLowerCase(java.util.Locale.ROOT) + " id";
		}

		/**
		 * JSON in UTF-8 when a body is sent or required; an operation whose body is
		 * optional may also be called with no body and no {@code Content-Type}.
		 */
		private @Nullable RequestRefusal checkMediaType(ServerHttpRequest request) {
			List<String> contentTypes = request.getHeaders().getOrEmpty("Content-Type");
			HttpHeaders headers = request.getHeaders();
			boolean sendsNoBody = headers.getContentLength() <= 0
					&& !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
			if (contentTypes.isEmpty() && sendsNoBody
					&& this.operation.body().presence() != BodySchema.Presence.REQUIRED) {
				return null;
			}
			if (contentTypes.size() != 1) {
				return unsupported();
			}
			try {
				MediaType type = MediaType.parseMediaType(contentTypes.get(0));
				if (!MediaType.APPLICATION_JSON.equalsTypeAndSubtype(type)) {
					return unsupported();
				}
				Charset charset = type.getCharset();
				return (charset == null || charset.equals(StandardCharsets.UTF_8)) ? null : unsupported();
			}
			catch (IllegalArgumentException ex) {
				return unsupported();
			}
		}

		private static RequestRefusal unsupported() {
			return new RequestRefusal(HttpStatus.UNSUPPORTED_MEDIA_TYPE, GraphErrorCodes.UNSUPPORTED_MEDIA_TYPE,
					"The request body must be JSON in UTF-8 (Content-Type: application/json).");
		}

		private static byte[] drain(DataBuffer joined) {
			try {
				byte[] bytes = new byte[joined.readableByteCount()];
				joined.read(bytes);
				return bytes;
			}
			finally {
				DataBufferUtils.release(joined);
			}
		}

		/**
		 * The request with the bytes read, sized by {@code Content-Length}; its headers
		 * are copied only when the caller sent the body chunked.
		 */
		private static ServerHttpRequest withBody(ServerWebExchange exchange, byte[] body) {
			DataBufferFactory buffers = exchange.getResponse().bufferFactory();
			ServerHttpRequest request = exchange.getRequest();
			HttpHeaders headers = request.getHeaders();
			boolean sentWithItsLength = headers.getContentLength() == body.length
					&& !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
			ServerHttpRequest sized = sentWithItsLength ? request : request.mutate().headers((mutable) -> {
				mutable.remove(HttpHeaders.TRANSFER_ENCODING);
				mutable.setContentLength(body.length);
			}).build();
			return new ServerHttpRequestDecorator(sized) {
				@Override
				public Flux<DataBuffer> getBody() {
					return Flux.defer(() -> Flux.just(buffers.wrap(body)));
				}
			};
		}

		private Mono<Void> refuse(ServerWebExchange exchange, RequestRefusal refusal) {
			return RequestGuardGatewayFilterFactory.this.errors.respond(exchange, refusal.status(), refusal.code(),
					refusal.message());
		}

	}

}

package com.graphpolicygateway.routing;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import io.netty.channel.ConnectTimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.boot.webflux.error.ErrorWebExceptionHandler;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.util.Assert;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GatewayStages;

/**
 * Answers every error that reaches the web layer in Graph's shape: unrouted paths (404),
 * upstream failures (502/504), an unreachable identity provider (503) and anything
 * unexpected (500, with the details only in the log).
 */
public final class GraphErrorWebExceptionHandler implements ErrorWebExceptionHandler, Ordered {

	/** Before Spring Boot's own error handler, which would answer in its own shape. */
	public static final int ORDER = GatewayStages.ERRORS;

	private static final Log logger = LogFactory.getLog(GraphErrorWebExceptionHandler.class);

	private final GraphErrorResponder errors;

	public GraphErrorWebExceptionHandler(GraphErrorResponder errors) {
		Assert.notNull(errors, "errors cannot be null");
		this.errors = errors;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		if (exchange.getResponse().isCommitted()) {
			return Mono.error(ex);
		}
		// Error handlers run outside the filter chain's context: give their log lines the
		// ids here.
		return RequestCorrelation.of(exchange).inLogContext(() -> answer(exchange, ex));
	}

	private Mono<Void> answer(ServerWebExchange exchange, Throwable ex) {
		if (ex instanceof MethodNotAllowedException notAllowed) {
			return this.errors.respond(exchange, HttpStatus.METHOD_NOT_ALLOWED, GraphErrorCodes.METHOD_NOT_ALLOWED,
					"Only " + notAllowed.getSupportedMethods()
						.stream()
						.map(HttpMethod::name)
						.sorted()
						.collect(java.util.stream.Collectors.joining(", ")) + " is routed at this path.",
					(headers) -> headers.setAllow(notAllowed.getSupportedMethods()));
		}
		if (ex instanceof ResponseStatusException status) {
			return respondTo(exchange, status.getStatusCode(), ex);
		}
		if (hasCause(ex, TimeoutException.class)) {
			return this.errors.respond(exchange, HttpStatus.GATEWAY_TIMEOUT, GraphErrorCodes.GATEWAY_TIMEOUT,
					"Microsoft Graph did not answer in time.");
		}
		// A reset or broken connection to Graph surfaces as an IOException from Netty.
		if (hasCause(ex, ConnectException.class) || hasCause(ex, ConnectTimeoutException.class)
				|| hasCause(ex, PrematureCloseException.class) || hasCause(ex, IOException.class)) {
			logger.warn("Upstream unreachable: " + ex);
			return this.errors.respond(exchange, HttpStatus.BAD_GATEWAY, GraphErrorCodes.BAD_GATEWAY,
					"Microsoft Graph could not be reached through the gateway.");
		}
		if (ex instanceof AuthenticationServiceException) {
			logger.warn("Caller token could not be checked: " + ex.getMessage());
			return this.errors.respond(exchange, HttpStatus.SERVICE_UNAVAILABLE, GraphErrorCodes.SERVICE_NOT_AVAILABLE,
					"The gateway could not check the access token: the identity provider's signing keys are unavailable.",
					(headers) -> headers.set("Retry-After", "10"));
		}
		logger.error("Unexpected failure on " + exchange.getRequest().getMethod() + " "
				+ exchange.getRequest().getPath().value(), ex);
		return this.errors.respond(exchange, HttpStatus.INTERNAL_SERVER_ERROR, GraphErrorCodes.GENERAL_EXCEPTION,
				"The gateway failed to process the request.");
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	private Mono<Void> respondTo(ServerWebExchange exchange, HttpStatusCode status, Throwable ex) {
		return switch (status.value()) {
			case 404 -> this.errors.respond(exchange, status, GraphErrorCodes.ITEM_NOT_FOUND,
					"No operation of the gateway's catalogue is at this path: the gateway routes only the Graph "
							+ "operations it declares.");
			case 504 -> this.errors.respond(exchange, status, GraphErrorCodes.GATEWAY_TIMEOUT,
					"Microsoft Graph did not answer in time.");
			case 502, 503 -> this.errors.respond(exchange, status, GraphErrorCodes.BAD_GATEWAY,
					"Microsoft Graph could not be reached through the gateway.");
			case 413 -> this.errors.respond(exchange, status, GraphErrorCodes.REQUEST_TOO_LARGE,
					"The request is larger than the gateway accepts.");
			case 415 -> this.errors.respond(exchange, status, GraphErrorCodes.UNSUPPORTED_MEDIA_TYPE,
					"The request body must be JSON in UTF-8 (Content-Type: application/json).");
			default -> {
				if (status.is4xxClientError()) {
					yield this.errors.respond(exchange, status, GraphErrorCodes.INVALID_REQUEST,
							"The request is not valid.");
				}
				logger.error("Failure on " + exchange.getRequest().getPath().value(), ex);
				yield this.errors.respond(exchange, status, GraphErrorCodes.GENERAL_EXCEPTION,
						"The gateway failed to process the request.");
			}
		};
	}

	private static boolean hasCause(Throwable ex, Class<? extends Throwable> type) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return true;
			}
		}
		return false;
	}

}

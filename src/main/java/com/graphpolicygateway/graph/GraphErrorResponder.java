package com.graphpolicygateway.graph;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * Answers a refused or failed request in Microsoft Graph's error shape, so that Graph
 * SDKs surface the gateway's refusals as {@code ODataError} with the gateway's code.
 */
public final class GraphErrorResponder {

	private static final Log logger = LogFactory.getLog(GraphErrorResponder.class);

	private static final int MAX_MESSAGE_LENGTH = 1000;

	private static final DateTimeFormatter GRAPH_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

	private final JsonMapper jsonMapper;

	private final Clock clock;

	public GraphErrorResponder(JsonMapper jsonMapper, Clock clock) {
		Assert.notNull(jsonMapper, "jsonMapper cannot be null");
		Assert.notNull(clock, "clock cannot be null");
		this.jsonMapper = jsonMapper;
		this.clock = clock;
	}

	/**
	 * Writes the error with an explicit audit reason code (for refusals whose reason is
	 * finer than their status, such as a policy rule).
	 */
	public Mono<Void> respond(ServerWebExchange exchange, HttpStatusCode status, String code, String reason,
			String message, Consumer<HttpHeaders> extraHeaders) {
		new GatewayRefusal(status, code, reason).storeOn(exchange);
		return write(exchange, status, code, message, extraHeaders);
	}

	/** Writes the error with no extra headers. */
	public Mono<Void> respond(ServerWebExchange exchange, HttpStatusCode status, String code, String message) {
		return respond(exchange, status, code, message, (headers) -> {
		});
	}

	/**
	 * Sets the status, the extra headers and the Graph-shaped body, once. A response that
	 * is already committed is left alone.
	 */
	public Mono<Void> respond(ServerWebExchange exchange, HttpStatusCode status, String code, String message,
			Consumer<HttpHeaders> extraHeaders) {
		return respond(exchange, status, code, GatewayRefusal.reasonOf(status, code), message, extraHeaders);
	}

	private Mono<Void> write(ServerWebExchange exchange, HttpStatusCode status, String code, String message,
			Consumer<HttpHeaders> extraHeaders) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			logger.debug("Response already committed; not writing Graph error " + code);
			return Mono.empty();
		}
		RequestCorrelation correlation = RequestCorrelation.of(exchange);
		response.setStatusCode(status);
		HttpHeaders headers = response.getHeaders();
		headers.setContentType(MediaType.APPLICATION_JSON);
		headers.set(RequestCorrelation.REQUEST_ID, correlation.requestId());
		headers.set(RequestCorrelation.CLIENT_REQUEST_ID, correlation.clientRequestId());
		extraHeaders.accept(headers);
		byte[] body = body(code, message, correlation);
		DataBuffer buffer = response.bufferFactory().wrap(body);
		return response.writeWith(Mono.just(buffer));
	}

	/** The Graph error document for an answer built elsewhere (functional endpoints). */
	public byte[] document(ServerWebExchange exchange, String code, String message) {
		return body(code, message, RequestCorrelation.of(exchange));
	}

	public byte[] body(String code, String message, RequestCorrelation correlation) {
		String date = GRAPH_DATE.format(LocalDateTime.now(this.clock.withZone(ZoneOffset.UTC)));
		GraphError error = new GraphError(new GraphError.Detail(code, truncate(message),
				new GraphError.InnerError(date, correlation.requestId(), correlation.clientRequestId())));
		return this.jsonMapper.writeValueAsString(error).getBytes(StandardCharsets.UTF_8);
	}

	private static String truncate(String message) {
		return (message.length() <= MAX_MESSAGE_LENGTH) ? message : message.substring(0, MAX_MESSAGE_LENGTH) + "...";
	}

	/**
	 * Graph's error document: {@code {"error":{"code","message","innerError":{...}}}}.
	 */
	record GraphError(Detail error) {

		record Detail(String code, String message, InnerError innerError) {
		}

		record InnerError(String date, @JsonProperty("request-id") String requestId,
				@JsonProperty("client-request-id") String clientRequestId) {
		}

	}

}

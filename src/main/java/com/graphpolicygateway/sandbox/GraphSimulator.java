package com.graphpolicygateway.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;

/**
 * Answers like Microsoft Graph for what the gateway calls: {@code PATCH /v1.0/users/{id}}
 * (and {@code /beta}) with 204 and Graph's headers, and {@code GET /v1.0/subscribedSkus}
 * with a tenant holding an active Intune license. Every call must carry a Graph token
 * from the sandbox issuer.
 */
final class GraphSimulator implements AutoCloseable {

	private static final Pattern USER = Pattern.compile("/(v1\\.0|beta)/users/[^/]+");

	static final String SUBSCRIBED_SKUS = "{\"value\":[{\"skuPartNumber\":\"EMS\",\"capabilityStatus\":\"Enabled\","
			+ "\"servicePlans\":[{\"servicePlanId\":\"c1ec4a95-1f05-45b3-a911-aa3fa01094f5\","
			+ "\"servicePlanName\":\"INTUNE_A\",\"provisioningStatus\":\"Success\"}]}]}";

	private final LoopbackHttpServer server;

	GraphSimulator(int port) {
		this.server = new LoopbackHttpServer("graph", port, this::handle);
	}

	int port() {
		return this.server.port();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange; InputStream body = exchange.getRequestBody()) {
			body.readAllBytes();
			String requestId = UUID.randomUUID().toString();
			String clientRequestId = exchange.getRequestHeaders().getFirst("client-request-id");
			Map<String, String> headers = (clientRequestId != null)
					? Map.of("request-id", requestId, "client-request-id", clientRequestId)
					: Map.of("request-id", requestId);
			String authorization = exchange.getRequestHeaders().getFirst("Authorization");
			if (authorization == null || !authorization.startsWith("Bearer " + TokenIssuer.GRAPH_TOKEN_PREFIX)) {
				LoopbackHttpServer.answer(exchange, 401, "application/json",
						error("InvalidAuthenticationToken", "Access token is empty or not a sandbox Graph token."),
						headers);
				return;
			}
			String path = exchange.getRequestURI().getPath();
			if ("PATCH".equals(exchange.getRequestMethod()) && USER.matcher(path).matches()) {
				LoopbackHttpServer.answer(exchange, 204, "", "", headers);
			}
			else if ("GET".equals(exchange.getRequestMethod()) && "/v1.0/subscribedSkus".equals(path)) {
				LoopbackHttpServer.answer(exchange, 200, "application/json", SUBSCRIBED_SKUS, headers);
			}
			else {
				LoopbackHttpServer.answer(exchange, 400, "application/json",
						error("BadRequest", "The sandbox Graph simulator answers PATCH /v1.0/users/{id} and "
								+ "GET /v1.0/subscribedSkus only."),
						headers);
			}
		}
	}

	private static String error(String code, String message) {
		return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
	}

	@Override
	public void close() {
		this.server.close();
	}

}

package com.graphpolicygateway.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;

/**
 * Answers like Microsoft Graph for what the gateway calls: the catalogue's built-in
 * operations under {@code /v1.0} and {@code /beta} with 204 and Graph's headers
 * ({@code PATCH /users/{id}}, {@code POST
 * /users/{id}/wipeManagedAppRegistrationsByDeviceTag}, {@code POST
 * /deviceManagement/managedDevices/{id}/wipe} and {@code .../retire}, for any id, as the
 * sandbox's PATCH always did), {@code GET /v1.0/subscribedSkus} with a tenant holding an
 * active Intune license, and {@code GET /v1.0/users/{id}} (object id or principal name,
 * any case) with the id and principal name of the sandbox's {@link #USERS users}, plus
 * each property its {@code $select} names (a plausible value from {@link #PROFILES}, or
 * null as Graph answers a property a user has no value of; the gateway's before-image
 * reads), 404 {@code Request_ResourceNotFound} for anyone else. It remembers which
 * properties each lookup asked for ({@link #selected()}). Every call must carry a Graph
 * token from the sandbox issuer.
 */
final class GraphSimulator implements AutoCloseable {

	private static final Pattern USER = Pattern.compile("/(v1\\.0|beta)/users/[^/]+");

	/** The built-in operations that are actions: POST, answered 204 like Graph. */
	private static final Pattern ACTION = Pattern
		.compile("/(v1\\.0|beta)/(users/[^/]+/wipeManagedAppRegistrationsByDeviceTag"
				+ "|deviceManagement/managedDevices/[^/]+/(wipe|retire))");

	/** A property name the simulator answers: an OData identifier, nothing else. */
	private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

	private static final Pattern USER_LOOKUP = Pattern
		.compile("/(?:v1\\.0|beta)/users(?:/([^/()]+)|\\('((?:[^']|'')+)'\\))");

	/**
	 * The sandbox tenant's users, by object id: the protected break-glass account among
	 * them.
	 */
	static final Map<String, String> USERS = Map.of("bea6c1a5-5a9d-4b0c-8e1f-5a4db0c0ffee",
			"breakglass@sandbox.example", "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "adele.vance@sandbox.example",
			"0a1b2c3d-0000-4000-8000-5a4db0c0ffee", "sandbox.user@sandbox.example",
			"0a1b2c3d-a0d1-4000-8000-5a4db0c0ffee", TokenIssuer.AUDITOR);

	/**
	 * What the sandbox's users look like in Graph, for the properties a before-image
	 * reads, as JSON values by property name.
	 */
	static final Map<String, Map<String, String>> PROFILES = Map.of("87d349ed-44d7-43e1-9a83-5f2406dee5bd",
			Map.of("displayName", "\"Adele V.\"", "jobTitle", "\"Retail Manager\"", "department", "\"Retail\"",
					"officeLocation", "\"18/2111\"", "mobilePhone", "\"+1 425 555 0109\"", "accountEnabled", "true"),
			"0a1b2c3d-0000-4000-8000-5a4db0c0ffee",
			Map.of("displayName", "\"Sandbox User\"", "jobTitle", "\"Tester\"", "department", "\"Quality\"",
					"accountEnabled", "true"),
			"bea6c1a5-5a9d-4b0c-8e1f-5a4db0c0ffee",
			Map.of("displayName", "\"Break Glass\"", "department", "\"IT\"", "accountEnabled", "true"));

	static final String SUBSCRIBED_SKUS = "{\"value\":[{\"skuPartNumber\":\"EMS\",\"capabilityStatus\":\"Enabled\","
			+ "\"servicePlans\":[{\"servicePlanId\":\"c1ec4a95-1f05-45b3-a911-aa3fa01094f5\","
			+ "\"servicePlanName\":\"INTUNE_A\",\"provisioningStatus\":\"Success\"}]}]}";

	private final LoopbackHttpServer server;

	/** The property names each user lookup's {@code $select} asked for, in order. */
	private final List<List<String>> selected = new CopyOnWriteArrayList<>();

	GraphSimulator(int port) {
		this.server = new LoopbackHttpServer("graph", port, this::handle);
	}

	int port() {
		return this.server.port();
	}

	/**
	 * The property names each user lookup asked for with {@code $select}, oldest first:
	 * what a before-image read (never a redacted property).
	 */
	List<List<String>> selected() {
		return List.copyOf(this.selected);
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
			else if ("POST".equals(exchange.getRequestMethod()) && ACTION.matcher(path).matches()) {
				LoopbackHttpServer.answer(exchange, 204, "", "", headers);
			}
			else if ("GET".equals(exchange.getRequestMethod()) && "/v1.0/subscribedSkus".equals(path)) {
				LoopbackHttpServer.answer(exchange, 200, "application/json", SUBSCRIBED_SKUS, headers);
			}
			else if ("GET".equals(exchange.getRequestMethod())
					&& USER_LOOKUP.matcher(exchange.getRequestURI().getRawPath()).matches()) {
				lookUp(exchange, headers);
			}
			else {
				LoopbackHttpServer.answer(exchange, 400, "application/json",
						error("BadRequest",
								"The sandbox Graph simulator answers PATCH /v1.0/users/{id}, "
										+ "POST /v1.0/users/{id}/wipeManagedAppRegistrationsByDeviceTag, "
										+ "POST /v1.0/deviceManagement/managedDevices/{id}/wipe and .../retire, "
										+ "GET /v1.0/users/{id} and GET /v1.0/subscribedSkus only."),
						headers);
			}
		}
	}

	/**
	 * The user a lookup names, by object id or principal name, ignoring case, with the
	 * properties its {@code $select} names.
	 */
	private void lookUp(HttpExchange exchange, Map<String, String> headers) throws IOException {
		Matcher lookup = USER_LOOKUP.matcher(exchange.getRequestURI().getRawPath());
		lookup.matches();
		String raw = (lookup.group(1) != null) ? lookup.group(1) : lookup.group(2).replace("''", "'");
		String wanted = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
		List<String> select = select(exchange.getRequestURI().getRawQuery());
		this.selected.add(select);
		for (Map.Entry<String, String> user : USERS.entrySet()) {
			if (user.getKey().equalsIgnoreCase(wanted) || user.getValue().equalsIgnoreCase(wanted)) {
				StringBuilder others = new StringBuilder();
				Map<String, String> profile = PROFILES.getOrDefault(user.getKey(), Map.of());
				for (String name : select) {
					if (!name.equals("id") && !name.equals("userPrincipalName") && NAME.matcher(name).matches()) {
						others.append(",\"").append(name).append("\":").append(profile.getOrDefault(name, "null"));
					}
				}
				LoopbackHttpServer.answer(exchange, 200, "application/json",
						"{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName)"
								+ "/$entity\",\"id\":\"" + user.getKey() + "\",\"userPrincipalName\":\""
								+ user.getValue() + "\"" + others + "}",
						headers);
				return;
			}
		}
		LoopbackHttpServer.answer(exchange, 404, "application/json",
				error("Request_ResourceNotFound",
						"Resource does not exist or one of its queried reference-property objects are not present."),
				headers);
	}

	/** The property names of a query's {@code $select}, decoded, in order. */
	private static List<String> select(String rawQuery) {
		if (rawQuery == null) {
			return List.of();
		}
		for (String parameter : rawQuery.split("&")) {
			int equals = parameter.indexOf('=');
			if (equals > 0 && "$select".equals(
					URLDecoder.decode(parameter.substring(0, equals).replace("+", "%2B"), StandardCharsets.UTF_8))) {
				String value = URLDecoder.decode(parameter.substring(equals + 1).replace("+", "%2B"),
						StandardCharsets.UTF_8);
				return List.of(value.split(","));
			}
		}
		return List.of();
	}

	private static String error(String code, String message) {
		return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
	}

	@Override
	public void close() {
		this.server.close();
	}

}

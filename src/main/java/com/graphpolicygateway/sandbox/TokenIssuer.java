package com.graphpolicygateway.sandbox;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;

/**
 * A local stand-in for Entra ID: publishes a signing key made at start-up
 * ({@code /discovery/v2.0/keys}), mints caller tokens for the gateway's audience
 * ({@code POST /sandbox/token}), answers the gateway's own token requests (On-Behalf-Of
 * and client credentials) with sandbox Graph tokens that only the Graph simulator
 * accepts, and signs the sandbox auditor in to the audit page (OpenID Connect
 * authorization code, no prompt, back to a loopback address only).
 */
final class TokenIssuer implements AutoCloseable {

	/** The sandbox tenant. */
	static final String TENANT = "00000000-5a9d-4b0c-8e1f-5a4db0c0ffee";

	/** The sandbox auditor who signs in to the audit page. */
	static final String AUDITOR = "auditor@sandbox.example";

	/** Prefix of the Graph tokens the issuer hands the gateway. */
	static final String GRAPH_TOKEN_PREFIX = "sandbox-graph-token-";

	private final LoopbackHttpServer server;

	private final RSAKey key;

	private final String audience;

	/** Authorization codes handed out: the client and nonce their ID token is for. */
	private final Map<String, Map<String, String>> codes = new ConcurrentHashMap<>();

	TokenIssuer(int port, String audience) {
		try {
			this.key = new RSAKeyGenerator(2048).keyID("sandbox-" + UUID.randomUUID()).generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
		this.audience = audience;
		this.server = new LoopbackHttpServer("token-issuer", port, this::handle);
	}

	int port() {
		return this.server.port();
	}

	String issuerTemplate() {
		return "http://127.0.0.1:" + port() + "/{tenantid}/v2.0";
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			String path = exchange.getRequestURI().getPath();
			Map<String, String> form = form(exchange);
			if ("/discovery/v2.0/keys".equals(path)) {
				LoopbackHttpServer.answer(exchange, 200, "application/json",
						new JWKSet(this.key.toPublicJWK()).toString(true), Map.of());
			}
			else if ("/sandbox/token".equals(path)) {
				LoopbackHttpServer.answer(exchange, 200, "text/plain", callerToken(form) + "\n", Map.of());
			}
			else if (path.endsWith("/oauth2/v2.0/authorize") && "GET".equals(exchange.getRequestMethod())) {
				authorize(exchange, form);
			}
			else if (path.endsWith("/oauth2/v2.0/token") && "POST".equals(exchange.getRequestMethod())
					&& "authorization_code".equals(form.get("grant_type"))) {
				Map<String, String> signIn = this.codes.remove(form.getOrDefault("code", ""));
				if (signIn == null) {
					LoopbackHttpServer.answer(exchange, 400, "application/json",
							"{\"error\":\"invalid_grant\",\"error_description\":\"unknown code\"}", Map.of());
				}
				else {
					LoopbackHttpServer.answer(exchange, 200, "application/json",
							"{\"token_type\":\"Bearer\",\"expires_in\":3600,\"scope\":\"openid profile\","
									+ "\"access_token\":\"sandbox-page-token-" + UUID.randomUUID()
									+ "\",\"id_token\":\"" + auditorIdToken(signIn) + "\"}",
							Map.of());
				}
			}
			else if (path.endsWith("/oauth2/v2.0/token") && "POST".equals(exchange.getRequestMethod())) {
				LoopbackHttpServer.answer(exchange, 200, "application/json",
						"{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"" + GRAPH_TOKEN_PREFIX
								+ UUID.randomUUID() + "\"}",
						Map.of());
			}
			else {
				LoopbackHttpServer.answer(exchange, 404, "text/plain", "not found\n", Map.of());
			}
		}
	}

	/**
	 * Signs the sandbox auditor in at once and sends the browser back with a code, only
	 * ever to a loopback address.
	 */
	private void authorize(HttpExchange exchange, Map<String, String> request) throws IOException {
		String redirect = request.getOrDefault("redirect_uri", "");
		if (!redirect.startsWith("http://127.0.0.1:") && !redirect.startsWith("http://localhost:")) {
			LoopbackHttpServer.answer(exchange, 400, "text/plain",
					"The sandbox signs in only to a loopback redirect_uri.\n", Map.of());
			return;
		}
		String code = UUID.randomUUID().toString();
		this.codes.put(code,
				Map.of("client_id", request.getOrDefault("client_id", ""), "nonce", request.getOrDefault("nonce", "")));
		String location = redirect + "?code=" + code + "&state="
				+ URLEncoder.encode(request.getOrDefault("state", ""), StandardCharsets.UTF_8);
		LoopbackHttpServer.answer(exchange, 302, "text/plain", "Signed in as " + AUDITOR + "; redirecting.\n",
				Map.of("Location", location));
	}

	/** The sandbox auditor's ID token: the sandbox tenant and the auditor role. */
	private String auditorIdToken(Map<String, String> signIn) {
		Instant now = Instant.now();
		JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
			.issuer("http://127.0.0.1:" + port() + "/" + TENANT + "/v2.0")
			.audience(signIn.get("client_id"))
			.subject("sandbox-auditor")
			.issueTime(Date.from(now))
			.notBeforeTime(Date.from(now))
			.expirationTime(Date.from(now.plus(Duration.ofHours(1))))
			.claim("tid", TENANT)
			.claim("ver", "2.0")
			.claim("oid", "0a1b2c3d-a0d1-4000-8000-5a4db0c0ffee")
			.claim("preferred_username", AUDITOR)
			.claim("name", "Sandbox Auditor")
			.claim("roles", List.of("AuditLog.Read.All"));
		if (!signIn.get("nonce").isEmpty()) {
			claims.claim("nonce", signIn.get("nonce"));
		}
		return sign(claims.build());
	}

	/**
	 * A caller token: delegated with the route's permission unless the form says
	 * otherwise.
	 */
	private String callerToken(Map<String, String> form) {
		String tenant = form.getOrDefault("tid", TENANT);
		Instant now = Instant.now();
		JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().jwtID(UUID.randomUUID().toString())
			.issuer("http://127.0.0.1:" + port() + "/" + tenant + "/v2.0")
			.audience(this.audience)
			.issueTime(Date.from(now))
			.notBeforeTime(Date.from(now))
			.expirationTime(Date.from(now.plus(Duration.ofHours(1))))
			.claim("tid", tenant)
			.claim("ver", "2.0")
			.claim("azp", form.getOrDefault("azp", "5a9d0000-0000-4000-8000-5a4db0c0ffee"));
		if (form.containsKey("roles")) {
			List<String> roles = Arrays.asList(form.get("roles").split("[ ,]+"));
			claims.claim("roles", roles).claim("idtyp", "app");
		}
		else {
			claims.claim("scp", form.getOrDefault("scp", "DeviceManagementApps.ReadWrite.All"))
				.claim("oid", form.getOrDefault("oid", "0a1b2c3d-0000-4000-8000-5a4db0c0ffee"))
				.claim("upn", form.getOrDefault("upn", "sandbox.user@sandbox.example"))
				.subject(form.getOrDefault("oid", "0a1b2c3d-0000-4000-8000-5a4db0c0ffee"));
		}
		return sign(claims.build());
	}

	private String sign(JWTClaimsSet claims) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(this.key.getKeyID()).build(),
					claims);
			jwt.sign(new RSASSASigner(this.key));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Query string and form body parameters. */
	private static Map<String, String> form(HttpExchange exchange) throws IOException {
		Map<String, String> parameters = new LinkedHashMap<>();
		String query = exchange.getRequestURI().getRawQuery();
		String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
		for (String source : new String[] { query, body }) {
			if (source == null || source.isBlank()) {
				continue;
			}
			for (String pair : source.split("&")) {
				int equals = pair.indexOf('=');
				if (equals > 0) {
					parameters.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
							URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
				}
			}
		}
		return parameters;
	}

	@Override
	public void close() {
		this.server.close();
	}

}

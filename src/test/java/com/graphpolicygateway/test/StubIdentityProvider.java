package com.graphpolicygateway.test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for Entra ID on 127.0.0.1: RSA keys made in the test, published as a JWK set
 * over HTTP, and tokens signed with them. Issuers follow Entra's v1 and v2 forms, under
 * the stub's own address.
 */
public final class StubIdentityProvider implements AutoCloseable {

	/** The audience the tests configure as the gateway's own API. */
	public static final String AUDIENCE = "api://graph-policy-gateway-test";

	/** The gateway's own app registration, as the stub token endpoint expects it. */
	public static final String GATEWAY_CLIENT_ID = "5f6e7d8c-1a2b-4c3d-9e8f-0a1b2c3d4e5f";

	/** The gateway's client secret (a test value). */
	public static final String GATEWAY_CLIENT_SECRET = "test-client-secret-value";

	/** The audit page's app registration (sign-in with OpenID Connect). */
	public static final String PAGE_CLIENT_ID = "a0d17a9e-3c4b-4d5e-8f70-00000000a0d1";

	/** The audit page's client secret (a test value). */
	public static final String PAGE_CLIENT_SECRET = "test-page-client-secret";

	/** The application role that lets a user read the audit trail. */
	public static final String AUDITOR_ROLE = "AuditLog.Read.All";

	/** The caller tenant used unless a test names another. */
	public static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

	private final HttpServer server;

	private final List<RSAKey> published = new CopyOnWriteArrayList<>();

	private final RSAKey signingKey;

	private final AtomicInteger keyFetches = new AtomicInteger();

	private final AtomicBoolean keysAvailable = new AtomicBoolean(true);

	private final AtomicBoolean keysSilent = new AtomicBoolean();

	private final List<TokenRequest> tokenRequests = new CopyOnWriteArrayList<>();

	private final BlockingQueue<TokenAnswer> tokenAnswers = new LinkedBlockingQueue<>();

	private final AtomicInteger issued = new AtomicInteger();

	private volatile Duration tokenDelay = Duration.ZERO;

	/** Who the next sign-ins are, as changes to the default auditor's ID token. */
	private final BlockingQueue<UnaryOperator<TestTokens.Builder>> signIns = new LinkedBlockingQueue<>();

	/** Authorization codes handed out and what their ID token will say. */
	private final Map<String, SignIn> codes = new ConcurrentHashMap<>();

	private StubIdentityProvider(HttpServer server) {
		this.server = server;
		this.signingKey = newKey();
		this.published.add(this.signingKey);
	}

	public static StubIdentityProvider start() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
			StubIdentityProvider idp = new StubIdentityProvider(server);
			server.createContext("/discovery/v2.0/keys", idp::serveKeys);
			server.createContext("/", idp::serveToken);
			server.setExecutor(Executors.newFixedThreadPool(4));
			server.start();
			return idp;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A fresh 2048-bit RSA signing key with its own kid. */
	public static RSAKey newKey() {
		try {
			return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public String baseUri() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/** Entra v2 issuer template under the stub's address. */
	public String issuerTemplateV2() {
		return baseUri() + "/{tenantid}/v2.0";
	}

	/** Entra v1 issuer template under the stub's address. */
	public String issuerTemplateV1() {
		return baseUri() + "/sts/{tenantid}/";
	}

	public String issuerV2(String tenantId) {
		return issuerTemplateV2().replace("{tenantid}", tenantId);
	}

	public String issuerV1(String tenantId) {
		return issuerTemplateV1().replace("{tenantid}", tenantId);
	}

	/** Token endpoint template, as {@code graph-gateway.identity.token-uri}. */
	public String tokenUriTemplate() {
		return baseUri() + "/{tenantid}/oauth2/v2.0/token";
	}

	/**
	 * Provider settings of the audit page's sign-in, as
	 * {@code spring.security.oauth2.client.provider.<id>.*}, relative names to values.
	 */
	public Map<String, String> pageProvider() {
		return Map.of("authorization-uri", baseUri() + "/organizations/oauth2/v2.0/authorize", "token-uri",
				baseUri() + "/organizations/oauth2/v2.0/token", "jwk-set-uri", jwkSetUri(), "user-name-attribute",
				"sub");
	}

	/**
	 * Makes the next sign-in through the authorize endpoint produce an ID token changed
	 * by {@code user} (default: an auditor of {@link #TENANT} holding
	 * {@link #AUDITOR_ROLE}).
	 */
	public void willSignIn(UnaryOperator<TestTokens.Builder> user) {
		this.signIns.add(user);
	}

	/** Token requests received since the last {@link #resetTokens()}. */
	public List<TokenRequest> tokenRequests() {
		return List.copyOf(this.tokenRequests);
	}

	/**
	 * Queues the token endpoint's next answer (default: a fresh token valid for an hour).
	 */
	public void willAnswerToken(TokenAnswer answer) {
		this.tokenAnswers.add(answer);
	}

	/** Delays every token answer, to make concurrent requests overlap. */
	public void delayTokens(Duration delay) {
		this.tokenDelay = delay;
	}

	public void resetTokens() {
		this.tokenRequests.clear();
		this.tokenAnswers.clear();
		this.tokenDelay = Duration.ZERO;
		this.signIns.clear();
	}

	public String jwkSetUri() {
		return baseUri() + "/discovery/v2.0/keys";
	}

	/**
	 * A token builder with valid defaults: delegated caller holding the required
	 * permission.
	 */
	public TestTokens.Builder token() {
		return TestTokens.builder(this.signingKey)
			.issuer(issuerV2(TENANT))
			.tenant(TENANT)
			.audience(AUDIENCE)
			.scopes("DeviceManagementApps.ReadWrite.All User.Read");
	}

	/** A valid token, as {@link #token()} builds it. */
	public String validToken() {
		return token().build();
	}

	public RSAKey signingKey() {
		return this.signingKey;
	}

	/** Adds a key to the published set (key rotation). */
	public void publish(RSAKey key) {
		this.published.add(key);
	}

	/**
	 * Makes the keys endpoint accept requests and never answer them (true), or serve keys
	 * again (false).
	 */
	public void keysSilent(boolean silent) {
		this.keysSilent.set(silent);
	}

	/** Makes the keys endpoint answer 503 (true) or serve keys again (false). */
	public void keysDown(boolean down) {
		this.keysAvailable.set(!down);
	}

	public int keyFetches() {
		return this.keyFetches.get();
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	private void serveToken(HttpExchange exchange) throws IOException {
		try (exchange) {
			String path = exchange.getRequestURI().getPath();
			if ("GET".equals(exchange.getRequestMethod()) && path.endsWith("/oauth2/v2.0/authorize")) {
				authorize(exchange);
				return;
			}
			if (!"POST".equals(exchange.getRequestMethod()) || !path.endsWith("/oauth2/v2.0/token")) {
				exchange.sendResponseHeaders(404, -1);
				return;
			}
			String tenant = path.substring(1, path.indexOf('/', 1));
			Map<String, String> parameters = form(
					new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
			if ("authorization_code".equals(parameters.get("grant_type"))) {
				answerSignIn(exchange, parameters.get("code"));
				return;
			}
			this.tokenRequests.add(new TokenRequest(tenant, parameters));
			if (!this.tokenDelay.isZero()) {
				Thread.sleep(this.tokenDelay.toMillis());
			}
			TokenAnswer answer = this.tokenAnswers.poll();
			if (answer == null) {
				answer = TokenAnswer.token("graph-token-" + this.issued.incrementAndGet(), 3600);
			}
			byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "application/json");
			exchange.sendResponseHeaders(answer.status(), body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * The authorize endpoint: signs the user in at once (no prompt) and sends the browser
	 * back with a code.
	 */
	private void authorize(HttpExchange exchange) throws IOException {
		Map<String, String> request = form(exchange.getRequestURI().getRawQuery());
		UnaryOperator<TestTokens.Builder> user = this.signIns.poll();
		String code = UUID.randomUUID().toString();
		this.codes.put(code, new SignIn(request.get("client_id"), request.get("nonce"),
				(user != null) ? user : UnaryOperator.identity()));
		String location = request.get("redirect_uri") + "?code=" + code + "&state="
				+ URLEncoder.encode(request.get("state"), StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Location", location);
		// A body of known length: the browser's connection is reused for the next
		// request.
		byte[] body = "Signed in; redirecting.".getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", "text/plain");
		exchange.sendResponseHeaders(302, body.length);
		exchange.getResponseBody().write(body);
	}

	private void answerSignIn(HttpExchange exchange, String code) throws IOException {
		SignIn signIn = (code != null) ? this.codes.remove(code) : null;
		if (signIn == null) {
			byte[] body = "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS70008: unknown code\"}"
				.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "application/json");
			exchange.sendResponseHeaders(400, body.length);
			exchange.getResponseBody().write(body);
			return;
		}
		TestTokens.Builder idToken = TestTokens.builder(this.signingKey)
			.issuer(issuerV2(TENANT))
			.tenant(TENANT)
			.audience(signIn.clientId())
			.roles(AUDITOR_ROLE)
			.without("azp")
			.without("upn")
			.claim("preferred_username", "auditor@contoso.example")
			.claim("name", "Alex Auditor");
		if (signIn.nonce() != null) {
			idToken.claim("nonce", signIn.nonce());
		}
		String body = "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"scope\":\"openid profile\","
				+ "\"access_token\":\"page-token-" + this.issued.incrementAndGet() + "\",\"id_token\":\""
				+ signIn.user().apply(idToken).build() + "\"}";
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", "application/json");
		exchange.sendResponseHeaders(200, bytes.length);
		exchange.getResponseBody().write(bytes);
	}

	private static Map<String, String> form(String encoded) {
		Map<String, String> parameters = new LinkedHashMap<>();
		if (encoded == null || encoded.isEmpty()) {
			return parameters;
		}
		for (String pair : encoded.split("&")) {
			int equals = pair.indexOf('=');
			if (equals > 0) {
				parameters.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
						URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
			}
		}
		return parameters;
	}

	/**
	 * A sign-in in progress.
	 *
	 * @param clientId the client that asked
	 * @param nonce the nonce to put in the ID token
	 * @param user changes to the default auditor's ID token
	 */
	private record SignIn(String clientId, String nonce, UnaryOperator<TestTokens.Builder> user) {
	}

	/**
	 * One request the token endpoint received.
	 *
	 * @param tenant the tenant in the path
	 * @param parameters the form parameters
	 */
	public record TokenRequest(String tenant, Map<String, String> parameters) {
	}

	/**
	 * One answer of the token endpoint.
	 *
	 * @param status HTTP status
	 * @param body JSON body
	 */
	public record TokenAnswer(int status, String body) {

		public static TokenAnswer token(String accessToken, long expiresIn) {
			return new TokenAnswer(200, "{\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn
					+ ",\"access_token\":\"" + accessToken + "\"}");
		}

		public static TokenAnswer error(int status, String error, String description) {
			return new TokenAnswer(status,
					"{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
		}

	}

	private void serveKeys(HttpExchange exchange) throws IOException {
		try (exchange) {
			this.keyFetches.incrementAndGet();
			while (this.keysSilent.get()) {
				try {
					Thread.sleep(50);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
			if (!this.keysAvailable.get()) {
				exchange.sendResponseHeaders(503, -1);
				return;
			}
			List<JWK> publicKeys = this.published.stream().map(RSAKey::toPublicJWK).map(JWK.class::cast).toList();
			byte[] body = new JWKSet(publicKeys).toString(true).getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		}
	}

}

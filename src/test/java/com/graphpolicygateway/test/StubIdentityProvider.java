package com.graphpolicygateway.test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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

	/** The caller tenant used unless a test names another. */
	public static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

	private final HttpServer server;

	private final List<RSAKey> published = new CopyOnWriteArrayList<>();

	private final RSAKey signingKey;

	private final AtomicInteger keyFetches = new AtomicInteger();

	private final AtomicBoolean keysAvailable = new AtomicBoolean(true);

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

	private void serveKeys(HttpExchange exchange) throws IOException {
		try (exchange) {
			this.keyFetches.incrementAndGet();
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

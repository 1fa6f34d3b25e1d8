package com.graphpolicygateway.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubbedGateway;
import com.graphpolicygateway.test.StubIdentityProvider.TokenRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway proves its app registration with a certificate instead of a secret: its
 * token requests carry a client assertion signed with the certificate's key, for the
 * tenant's token endpoint, naming the certificate by thumbprint, and no client secret.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = "graph-gateway.upstream.auth=on-behalf-of")
class UpstreamCertificateRouteTests {

	private static final Path ALLOW_ALL = Path.of("src/test/resources/policy/allow-all.yml");

	private static final Certificate CERTIFICATE = Certificate.generate();

	static final StubGraph graph = StubGraph.start();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	@LocalServerPort
	int port;

	WebTestClient client;

	/**
	 * The stubbed gateway with the certificate instead of the client secret: the gateway
	 * refuses to start with two credentials. (Not a {@code GatewayIntegrationTest}: its
	 * client secret would win over any removal here.)
	 */
	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		Map<String, String> properties = StubbedGateway.properties(graph, identityProvider, ALLOW_ALL);
		properties.remove("graph-gateway.identity.client-secret");
		properties.put("graph-gateway.identity.client-certificate-file", CERTIFICATE.certificateFile().toString());
		properties.put("graph-gateway.identity.client-key-file", CERTIFICATE.keyFile().toString());
		properties.forEach((name, value) -> registry.add(name, () -> value));
	}

	@BeforeEach
	void resetStubsAndClient() {
		graph.reset();
		identityProvider.resetTokens();
		this.client = StubbedGateway.client(this.port);
	}

	@Test
	void patchWhenCertificateConfiguredThenTokenRequestCarriesASignedClientAssertionAndNoSecret() throws Exception {
		this.client.method(HttpMethod.PATCH)
			.uri("/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd")
			.header(HttpHeaders.AUTHORIZATION,
					"Bearer " + identityProvider.token().claim("oid", "0c1c2c3c-0000-4000-8000-0000000000c1").build())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"displayName\":\"Adele Vance\"}")
			.exchange()
			.expectStatus()
			.isNoContent();

		List<TokenRequest> requests = identityProvider.tokenRequests();
		assertThat(requests).hasSize(1);
		Map<String, String> form = requests.get(0).parameters();
		assertThat(form)
			.containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
			.containsEntry("client_id", StubIdentityProvider.GATEWAY_CLIENT_ID)
			.doesNotContainKey("client_secret");
		SignedJWT assertion = SignedJWT.parse(form.get("client_assertion"));
		assertThat(assertion.verify(new RSASSAVerifier((RSAPublicKey) CERTIFICATE.certificate().getPublicKey())))
			.isTrue();
		assertThat(assertion.getHeader().getX509CertThumbprint()).isEqualTo(
				Base64URL.encode(MessageDigest.getInstance("SHA-1").digest(CERTIFICATE.certificate().getEncoded())));
		assertThat(assertion.getJWTClaimsSet().getIssuer()).isEqualTo(StubIdentityProvider.GATEWAY_CLIENT_ID);
		assertThat(assertion.getJWTClaimsSet().getSubject()).isEqualTo(StubIdentityProvider.GATEWAY_CLIENT_ID);
		assertThat(assertion.getJWTClaimsSet().getAudience())
			.containsExactly(identityProvider.tokenUriTemplate().replace("{tenantid}", StubIdentityProvider.TENANT));
		assertThat(assertion.getJWTClaimsSet().getExpirationTime()).isAfter(new java.util.Date());
	}

	/**
	 * A self-signed certificate and its PKCS#8 key, as PEM files made with the JDK's
	 * keytool.
	 */
	record Certificate(X509Certificate certificate, Path certificateFile, Path keyFile) {

		static Certificate generate() {
			try {
				Path directory = Files.createTempDirectory("gateway-certificate");
				Path keystore = directory.resolve("gateway.p12");
				Process keytool = new ProcessBuilder(
						Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias",
						"gateway", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=graph-policy-gateway",
						"-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass",
						"changeit")
					.redirectErrorStream(true)
					.start();
				assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
				assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
				KeyStore store = KeyStore.getInstance("PKCS12");
				try (InputStream in = Files.newInputStream(keystore)) {
					store.load(in, "changeit".toCharArray());
				}
				X509Certificate certificate = (X509Certificate) store.getCertificate("gateway");
				PrivateKey key = (PrivateKey) store.getKey("gateway", "changeit".toCharArray());
				Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes());
				Path certificateFile = Files.writeString(directory.resolve("gateway.crt"),
						"-----BEGIN CERTIFICATE-----\n" + pem.encodeToString(certificate.getEncoded())
								+ "\n-----END CERTIFICATE-----\n");
				Path keyFile = Files.writeString(directory.resolve("gateway.key"), "-----BEGIN PRIVATE KEY-----\n"
						+ pem.encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
				return new Certificate(certificate, certificateFile, keyFile);
			}
			catch (IOException | InterruptedException | java.security.GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}

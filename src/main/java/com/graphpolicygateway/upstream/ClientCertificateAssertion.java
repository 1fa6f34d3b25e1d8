package com.graphpolicygateway.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;

/**
 * Proves the app registration with a certificate instead of a secret: each token request
 * carries a short-lived client assertion (RFC 7523) signed with the certificate's private
 * key and naming the certificate by its thumbprints ({@code x5t}, {@code x5t#S256}), as
 * Entra ID expects.
 */
final class ClientCertificateAssertion implements ClientAuthentication {

	private static final Duration LIFETIME = Duration.ofMinutes(10);

	private final String clientId;

	private final PrivateKey key;

	private final Base64URL sha1Thumbprint;

	private final Base64URL sha256Thumbprint;

	private final Clock clock;

	ClientCertificateAssertion(String clientId, X509Certificate certificate, PrivateKey key, Clock clock) {
		Assert.hasText(clientId, "clientId cannot be empty");
		this.clientId = clientId;
		this.key = key;
		this.clock = clock;
		try {
			byte[] der = certificate.getEncoded();
			this.sha1Thumbprint = Base64URL.encode(MessageDigest.getInstance("SHA-1").digest(der));
			this.sha256Thumbprint = Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(der));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("The client certificate cannot be read", ex);
		}
	}

	/** Reads a PEM certificate and its PEM (PKCS#8) RSA private key. */
	static ClientCertificateAssertion fromPem(String clientId, Path certificateFile, Path keyFile, Clock clock) {
		try (InputStream certificate = Files.newInputStream(certificateFile)) {
			X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
				.generateCertificate(certificate);
			String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
			if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
				throw new IllegalStateException("graph-gateway.identity.client-key-file must hold a PKCS#8 PEM key "
						+ "(-----BEGIN PRIVATE KEY-----)");
			}
			String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
			PrivateKey key = KeyFactory.getInstance("RSA")
				.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
			return new ClientCertificateAssertion(clientId, x509, key, clock);
		}
		catch (IOException | GeneralSecurityException | IllegalArgumentException ex) {
			throw new IllegalStateException("graph-gateway.identity.client-certificate-file / client-key-file "
					+ "cannot be read: " + ex.getMessage(), ex);
		}
	}

	@Override
	public Mono<Map<String, String>> parameters(URI tokenEndpoint) {
		return Mono.fromSupplier(
				() -> Map.of("client_assertion_type", ASSERTION_TYPE, "client_assertion", assertion(tokenEndpoint)));
	}

	private String assertion(URI tokenEndpoint) {
		Instant now = this.clock.instant();
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(this.clientId)
			.subject(this.clientId)
			.audience(tokenEndpoint.toString())
			.jwtID(UUID.randomUUID().toString())
			.issueTime(Date.from(now))
			.notBeforeTime(Date.from(now))
			.expirationTime(Date.from(now.plus(LIFETIME)))
			.build();
		JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256).x509CertThumbprint(this.sha1Thumbprint)
			.x509CertSHA256Thumbprint(this.sha256Thumbprint)
			.build();
		try {
			SignedJWT jwt = new SignedJWT(header, claims);
			jwt.sign(new RSASSASigner(this.key));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException("The client assertion cannot be signed", ex);
		}
	}

}

package com.graphpolicygateway.audit.signing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

public class AuditSigningKeyTests {

	/** Made with {@code openssl ecparam -genkey -name prime256v1 -noout} (test only). */
	public static final String OPENSSL_SEC1_P256 = """
			-----BEGIN EC PRIVATE KEY-----
			MHcCAQEEIPO6Uy/OHPJf6IxygvNEoLYdj8p9Wyv3/++JtRjTIvwVoAoGCCqGSM49
			AwEHoUQDQgAEK104VPS+LdpVpKphG/HrfHk/DO1EnUsYvJ6GIP7vT02uT6px1kVs
			7sijUDuw6V55Pw5sJX18vXABIDae9566yQ==
			-----END EC PRIVATE KEY-----
			""";

	/** Its public half, from {@code openssl pkey -pubout}. */
	static final String OPENSSL_SEC1_P256_PUBLIC = """
			-----BEGIN PUBLIC KEY-----
			MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEK104VPS+LdpVpKphG/HrfHk/DO1E
			nUsYvJ6GIP7vT02uT6px1kVs7sijUDuw6V55Pw5sJX18vXABIDae9566yQ==
			-----END PUBLIC KEY-----
			""";

	/** Made with {@code openssl genpkey -algorithm ed25519} (test only). */
	static final String OPENSSL_ED25519 = """
			-----BEGIN PRIVATE KEY-----
			MC4CAQAwBQYDK2VwBCIEIKbe+gzEwAWwjA7JeUp9ejmVQA0OPyTp2ErfM7L3Yjl1
			-----END PRIVATE KEY-----
			""";

	static final String OPENSSL_ED25519_PUBLIC = """
			-----BEGIN PUBLIC KEY-----
			MCowBQYDK2VwAyEAkLPRWdgcOjuai4hJgT9+hDzFsy5sPZdUYHkk4RVIfOU=
			-----END PUBLIC KEY-----
			""";

	static final String OPENSSL_SEC1_P384 = """
			-----BEGIN EC PRIVATE KEY-----
			MIGkAgEBBDA1phr9ZlXuJQa9lflX/6c0GHPkHU8PiR3JwIOCJUNTUDwcaVIp0mVR
			9MUDB8aUWzugBwYFK4EEACKhZANiAAS/G8HmDXF2RVrJhAelTtKh41zYYO9BmRgc
			nWK4w0wP0XWt4kvljkGBdKUU6DV8oeuUlWHmGT4hs6jHQ+PJJaVij462CP9mhVY0
			GW0nLrPTbbExqND9vi0FnvuD3gshoYM=
			-----END EC PRIVATE KEY-----
			""";

	@Test
	void opensslSec1KeyThenItsPublicHalfIsOpensslsAndItSigns() {
		AuditSigningKey key = SigningKeyFiles.fromPem(OPENSSL_SEC1_P256);
		assertThat(key.publicKeyPem()).isEqualTo(OPENSSL_SEC1_P256_PUBLIC);
		assertThat(key.algorithm()).isEqualTo(AuditSigningKey.ECDSA);
		assertSignsAndVerifies(key);
	}

	@Test
	void opensslEd25519KeyThenItsPublicHalfIsOpensslsAndItSigns() {
		AuditSigningKey key = SigningKeyFiles.fromPem(OPENSSL_ED25519);
		assertThat(key.publicKeyPem()).isEqualTo(OPENSSL_ED25519_PUBLIC);
		assertThat(key.algorithm()).isEqualTo(AuditSigningKey.ED25519);
		assertSignsAndVerifies(key);
	}

	@Test
	void jdkGeneratedKeysThenPublicHalvesMatchTheJdks() throws Exception {
		KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
		ec.initialize(new ECGenParameterSpec("secp256r1"));
		KeyPairGenerator ed = KeyPairGenerator.getInstance("Ed25519");
		for (int i = 0; i < 5; i++) {
			for (KeyPair pair : new KeyPair[] { ec.generateKeyPair(), ed.generateKeyPair() }) {
				AuditSigningKey key = SigningKeyFiles.fromPem(pkcs8(pair));
				assertThat(key.publicKey().getEncoded()).isEqualTo(pair.getPublic().getEncoded());
				assertThat(key.keyId()).isEqualTo(AuditSigningKey.keyIdOf(pair.getPublic())).hasSize(16);
			}
		}
	}

	@Test
	void sameKeyInTwoEncodingsThenSameMacsAndKeyId() throws Exception {
		AuditSigningKey sec1 = SigningKeyFiles.fromPem(OPENSSL_SEC1_P256);
		Path dir = Files.createTempDirectory("key");
		// The same key as PKCS#8, as `openssl pkcs8 -topk8 -nocrypt` would write it.
		AuditSigningKey created = SigningKeyFiles.readOrCreate(dir.resolve("k.pem"));
		AuditSigningKey again = SigningKeyFiles.read(dir.resolve("k.pem"));
		assertThat(again.keyId()).isEqualTo(created.keyId());
		assertThat(again.mac("event\nabc")).isEqualTo(created.mac("event\nabc"));
		assertThat(sec1.mac("event\nabc")).isNotEqualTo(created.mac("event\nabc")).hasSize(64);
		assertThat(sec1.macMatches("event\nabc", sec1.mac("event\nabc"))).isTrue();
		assertThat(sec1.macMatches("event\nabd", sec1.mac("event\nabc"))).isFalse();
		assertThat(sec1.macMatches("event\nabc", null)).isFalse();
	}

	@Test
	void createIfMissingThenAnOwnerOnlyP256KeyIsWrittenOnceAndKept(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("secrets/audit-signing.pem");
		AuditSigningKey first = SigningKeyFiles.readOrCreate(file);
		assertThat(first.algorithm()).isEqualTo(AuditSigningKey.ECDSA);
		assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
				PosixFilePermission.OWNER_WRITE);
		assertThat(SigningKeyFiles.readOrCreate(file).keyId()).isEqualTo(first.keyId());
	}

	@Test
	void otherKeysThenClearRefusals(@TempDir Path dir) throws Exception {
		assertThatIllegalArgumentException().isThrownBy(() -> SigningKeyFiles.fromPem(OPENSSL_SEC1_P384))
			.withMessageContaining("P-256");
		KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
		rsa.initialize(1024);
		assertThatIllegalArgumentException().isThrownBy(() -> SigningKeyFiles.fromPem(pkcs8(rsa.generateKeyPair())))
			.withMessageContaining("neither an EC P-256 nor an Ed25519 key");
		KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
		p384.initialize(new ECGenParameterSpec("secp384r1"));
		assertThatIllegalArgumentException().isThrownBy(() -> SigningKeyFiles.fromPem(pkcs8(p384.generateKeyPair())))
			.withMessageContaining("P-256");
		assertThatIllegalArgumentException().isThrownBy(() -> SigningKeyFiles.fromPem(OPENSSL_ED25519_PUBLIC))
			.withMessageContaining("not a private key");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> SigningKeyFiles
				.fromPem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"))
			.withMessageContaining("encrypted");
		assertThatIllegalArgumentException().isThrownBy(() -> SigningKeyFiles.fromPem("not a key"))
			.withMessageContaining("no PEM block");
		Path missing = dir.resolve("missing.pem");
		assertThatIllegalStateException().isThrownBy(() -> SigningKeyFiles.read(missing))
			.withMessageContaining(missing.toString());
		Path garbage = dir.resolve("garbage.pem");
		Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
		assertThatIllegalStateException().isThrownBy(() -> SigningKeyFiles.read(garbage))
			.withMessageContaining(garbage.toString())
			.withMessageNotContaining("AAAA");
	}

	@Test
	void toStringThenNoKeyMaterial() {
		AuditSigningKey key = SigningKeyFiles.fromPem(OPENSSL_SEC1_P256);
		assertThat(key.toString()).contains(key.keyId()).doesNotContain("MHcC").doesNotContain("BEGIN");
	}

	private static void assertSignsAndVerifies(AuditSigningKey key) {
		byte[] content = "checkpoint".getBytes(StandardCharsets.UTF_8);
		String signature = key.signature(content);
		assertThat(AuditSigningKey.verify(key.publicKey(), key.algorithm(), content, signature)).isTrue();
		assertThat(AuditSigningKey.verify(key.publicKey(), key.algorithm(),
				"checkpoinT".getBytes(StandardCharsets.UTF_8), signature))
			.isFalse();
		assertThat(AuditSigningKey.verify(key.publicKey(), key.algorithm(), content, "not base64!")).isFalse();
		assertThat(SigningKeyFiles.publicKeyFromPem(key.publicKeyPem()).getEncoded())
			.isEqualTo(key.publicKey().getEncoded());
	}

	static String pkcs8(KeyPair pair) {
		return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
				+ "\n-----END PRIVATE KEY-----\n";
	}

}

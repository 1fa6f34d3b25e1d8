package com.graphpolicygateway.audit.signing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.KeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.util.Assert;

/**
 * Audit signing keys in PEM files: the private key a gateway reads (PKCS#8 holding an EC
 * P-256 or Ed25519 key, or SEC1 holding an EC P-256 key, as OpenSSL and Helm's
 * {@code genPrivateKey} write them), the one the sandbox creates, and the public half a
 * verifier is given. Messages name the file, never its content.
 */
public final class SigningKeyFiles {

	private static final Pattern PEM = Pattern
		.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

	private SigningKeyFiles() {
	}

	/**
	 * Reads the key from a PEM file: PKCS#8 ({@code PRIVATE KEY}) holding an EC P-256 or
	 * Ed25519 key, or SEC1 ({@code EC PRIVATE KEY}) holding an EC P-256 key.
	 * @throws IllegalStateException when the file cannot be read or holds another kind of
	 * key; the message names the file, never its content
	 */
	public static AuditSigningKey read(Path file) {
		Assert.notNull(file, "file cannot be null");
		String pem;
		try {
			pem = Files.readString(file, StandardCharsets.US_ASCII);
		}
		catch (IOException | UncheckedIOException ex) {
			throw new IllegalStateException("The audit signing key " + file + " cannot be read: " + ex, ex);
		}
		try {
			return fromPem(pem);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("The audit signing key " + file + " is not usable: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Reads the key from {@code file}, first creating an EC P-256 key there when the file
	 * does not exist (readable by its owner only, where the file system allows).
	 */
	public static AuditSigningKey readOrCreate(Path file) {
		Assert.notNull(file, "file cannot be null");
		if (!Files.exists(file)) {
			create(file);
		}
		return read(file);
	}

	private static void create(Path file) {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp256r1"));
			KeyPair pair = generator.generateKeyPair();
			String pem = "-----BEGIN PRIVATE KEY-----\n"
					+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
						.encodeToString(pair.getPrivate().getEncoded())
					+ "\n-----END PRIVATE KEY-----\n";
			Path parent = file.toAbsolutePath().getParent();
			if (parent != null) {
				Files.createDirectories(parent);
			}
			Files.writeString(file, pem, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
					StandardOpenOption.WRITE);
			try {
				Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
			}
			catch (UnsupportedOperationException ex) {
				// Not a POSIX file system: its own permissions apply.
			}
		}
		catch (FileAlreadyExistsException ex) {
			// Another process created it meanwhile: read that one.
		}
		catch (IOException ex) {
			throw new IllegalStateException("The audit signing key " + file + " cannot be created: " + ex, ex);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("This JVM cannot create an EC P-256 key", ex);
		}
	}

	/** Reads the key from PEM text. */
	public static AuditSigningKey fromPem(String pem) {
		Matcher matcher = PEM.matcher(pem);
		if (!matcher.find()) {
			throw new IllegalArgumentException("no PEM block found (expected -----BEGIN PRIVATE KEY-----)");
		}
		String type = matcher.group(1);
		byte[] der;
		try {
			der = Base64.getMimeDecoder().decode(matcher.group(2));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("its " + type + " block is not valid base64");
		}
		return switch (type) {
			case "PRIVATE KEY" -> fromPkcs8(der);
			case "EC PRIVATE KEY" -> fromPkcs8(Sec1Keys.toPkcs8(der));
			case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(
					"it is encrypted; mount the key unencrypted from a secret (PKCS#8 PRIVATE KEY)");
			default -> throw new IllegalArgumentException(
					"it holds a " + type + ", not a private key (PKCS#8 PRIVATE KEY or SEC1 EC PRIVATE KEY)");
		};
	}

	private static AuditSigningKey fromPkcs8(byte[] der) {
		PrivateKey key = null;
		for (String algorithm : new String[] { "EC", "Ed25519" }) {
			try {
				key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
				break;
			}
			catch (InvalidKeySpecException ex) {
				// Try the next kind.
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("This JVM does not support " + algorithm + " keys", ex);
			}
		}
		if (key instanceof ECPrivateKey ec) {
			ECParameterSpec p256 = p256();
			if (!ec.getParams().getOrder().equals(p256.getOrder())
					|| !ec.getParams().getCurve().equals(p256.getCurve())) {
				throw new IllegalArgumentException("it is an EC key on another curve than P-256");
			}
			PublicKey publicKey = generatePublic("EC",
					new ECPublicKeySpec(PublicPoints.ec(ec.getS(), ec.getParams()), ec.getParams()));
			return checked(new AuditSigningKey(ec, publicKey, AuditSigningKey.ECDSA, unsigned32(ec.getS())));
		}
		if (key instanceof EdECPrivateKey ed && NamedParameterSpec.ED25519.getName()
			.equalsIgnoreCase(((NamedParameterSpec) ed.getParams()).getName())) {
			byte[] seed = ed.getBytes()
				.orElseThrow(() -> new IllegalArgumentException("its Ed25519 key has no private bytes"));
			PublicKey publicKey = generatePublic("Ed25519",
					new EdECPublicKeySpec(NamedParameterSpec.ED25519, PublicPoints.ed25519(seed)));
			return checked(new AuditSigningKey(ed, publicKey, AuditSigningKey.ED25519, seed));
		}
		throw new IllegalArgumentException("it is neither an EC P-256 nor an Ed25519 key");
	}

	/** The derived public key must verify what the private key signs. */
	private static AuditSigningKey checked(AuditSigningKey key) {
		byte[] probe = "graph-policy-gateway audit key check".getBytes(StandardCharsets.US_ASCII);
		if (!AuditSigningKey.verify(key.publicKey(), key.algorithm(), probe, key.signature(probe))) {
			throw new IllegalArgumentException("its public half could not be derived");
		}
		return key;
	}

	/**
	 * Reads a PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo), EC P-256 or Ed25519.
	 */
	public static PublicKey publicKeyFromPem(String pem) {
		Matcher matcher = PEM.matcher(pem);
		if (!matcher.find() || !matcher.group(1).equals("PUBLIC KEY")) {
			throw new IllegalArgumentException("no PEM PUBLIC KEY block found");
		}
		byte[] der = Base64.getMimeDecoder().decode(matcher.group(2));
		for (String algorithm : new String[] { "EC", "Ed25519" }) {
			try {
				return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
			}
			catch (GeneralSecurityException ex) {
				// Try the next kind.
			}
		}
		throw new IllegalArgumentException("the PUBLIC KEY is neither an EC nor an Ed25519 key");
	}

	private static PublicKey generatePublic(String algorithm, KeySpec spec) {
		try {
			return KeyFactory.getInstance(algorithm).generatePublic(spec);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalArgumentException("its public half is not a valid " + algorithm + " key");
		}
	}

	private static byte[] unsigned32(BigInteger value) {
		byte[] bytes = value.toByteArray();
		byte[] fixed = new byte[32];
		int length = Math.min(bytes.length, 32);
		System.arraycopy(bytes, bytes.length - length, fixed, 32 - length, length);
		return fixed;
	}

	static ECParameterSpec p256() {
		try {
			AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
			parameters.init(new ECGenParameterSpec("secp256r1"));
			return parameters.getParameterSpec(ECParameterSpec.class);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("This JVM does not support the P-256 curve", ex);
		}
	}

}

package com.graphpolicygateway.audit;

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
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The audit trail's signing key: an EC P-256 or Ed25519 private key, read from a PEM file
 * mounted from a secret. It signs checkpoints; a MAC key derived from it authenticates
 * every event, so that only a holder of the key (every gateway replica mounts the same
 * one) can write an event that verifies. The database never holds it. Its public half,
 * derived here, verifies checkpoints.
 */
final class AuditSigningKey {

	/** JCA name of the checkpoint signature on an EC P-256 key (DER-encoded). */
	static final String ECDSA = "SHA256withECDSA";

	/** JCA name of the checkpoint signature on an Ed25519 key. */
	static final String ED25519 = "Ed25519";

	private static final byte[] MAC_KEY_LABEL = "graph-policy-gateway audit MAC key v1"
		.getBytes(StandardCharsets.US_ASCII);

	private static final Pattern PEM = Pattern
		.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

	private final PrivateKey privateKey;

	private final PublicKey publicKey;

	private final String algorithm;

	private final String keyId;

	private final SecretKeySpec macKey;

	private final ThreadLocal<Mac> macs;

	private AuditSigningKey(PrivateKey privateKey, PublicKey publicKey, String algorithm, byte[] secret) {
		this.privateKey = privateKey;
		this.publicKey = publicKey;
		this.algorithm = algorithm;
		this.keyId = keyIdOf(publicKey);
		this.macKey = new SecretKeySpec(hmac(new SecretKeySpec(secret, "HmacSHA256"), MAC_KEY_LABEL), "HmacSHA256");
		Arrays.fill(secret, (byte) 0);
		this.macs = ThreadLocal.withInitial(this::newMac);
	}

	/**
	 * Reads the key from a PEM file: PKCS#8 ({@code PRIVATE KEY}) holding an EC P-256 or
	 * Ed25519 key, or SEC1 ({@code EC PRIVATE KEY}) holding an EC P-256 key.
	 * @throws IllegalStateException when the file cannot be read or holds another kind of
	 * key; the message names the file, never its content
	 */
	static AuditSigningKey read(Path file) {
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
	static AuditSigningKey readOrCreate(Path file) {
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
	static AuditSigningKey fromPem(String pem) {
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
			case "EC PRIVATE KEY" -> fromPkcs8(Sec1.toPkcs8(der));
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
					new ECPublicKeySpec(P256.multiply(ec.getS(), ec.getParams()), ec.getParams()));
			return checked(new AuditSigningKey(ec, publicKey, ECDSA, unsigned32(ec.getS())));
		}
		if (key instanceof EdECPrivateKey ed && NamedParameterSpec.ED25519.getName()
			.equalsIgnoreCase(((NamedParameterSpec) ed.getParams()).getName())) {
			byte[] seed = ed.getBytes()
				.orElseThrow(() -> new IllegalArgumentException("its Ed25519 key has no private bytes"));
			PublicKey publicKey = generatePublic("Ed25519",
					new EdECPublicKeySpec(NamedParameterSpec.ED25519, Ed25519Point.publicPoint(seed)));
			return checked(new AuditSigningKey(ed, publicKey, ED25519, seed));
		}
		throw new IllegalArgumentException("it is neither an EC P-256 nor an Ed25519 key");
	}

	/** The derived public key must verify what the private key signs. */
	private static AuditSigningKey checked(AuditSigningKey key) {
		byte[] probe = "graph-policy-gateway audit key check".getBytes(StandardCharsets.US_ASCII);
		if (!verify(key.publicKey, key.algorithm, probe, key.sign(probe))) {
			throw new IllegalArgumentException("its public half could not be derived");
		}
		return key;
	}

	/** The key's id: the first 16 hex digits of the SHA-256 of its public key (X.509). */
	String keyId() {
		return this.keyId;
	}

	/** The checkpoint signature's algorithm ({@link #ECDSA} or {@link #ED25519}). */
	String algorithm() {
		return this.algorithm;
	}

	/** The public half, as a PEM {@code PUBLIC KEY} block. */
	String publicKeyPem() {
		return publicKeyPem(this.publicKey);
	}

	PublicKey publicKey() {
		return this.publicKey;
	}

	/** Signs {@code content}; the signature is base64url without padding. */
	String signature(byte[] content) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(sign(content));
	}

	private byte[] sign(byte[] content) {
		try {
			Signature signature = Signature.getInstance(this.algorithm);
			signature.initSign(this.privateKey);
			signature.update(content);
			return signature.sign();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("The audit signing key could not sign", ex);
		}
	}

	/**
	 * The MAC of {@code content} under the key derived from the signing key (HMAC-SHA256,
	 * hex).
	 */
	String mac(String content) {
		Mac mac = this.macs.get();
		return HexFormat.of().formatHex(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
	}

	/**
	 * Whether {@code expected} is the MAC of {@code content}, compared in constant time.
	 */
	boolean macMatches(String content, @Nullable String expected) {
		if (expected == null) {
			return false;
		}
		return MessageDigest.isEqual(mac(content).getBytes(StandardCharsets.US_ASCII),
				expected.getBytes(StandardCharsets.US_ASCII));
	}

	/** The MAC of a pending row inserted by {@code writerId}. */
	String pendingMac(AuditEvent pending, String writerId) {
		return mac(AuditHasher.pendingMacContent(pending, writerId));
	}

	/** The MAC of a chained event whose hash is {@code hash}. */
	String eventMac(String hash) {
		return mac(AuditHasher.macContent(hash));
	}

	/**
	 * Whether a pending row was written by a holder of this key: its key id is this key's
	 * and its MAC matches its content.
	 */
	boolean authenticatesPending(AuditEvent pending, String writerId, @Nullable String keyId, @Nullable String mac) {
		return this.keyId.equals(keyId) && macMatches(AuditHasher.pendingMacContent(pending, writerId), mac);
	}

	/**
	 * Whether a chained event was written by a holder of this key: its key id is this
	 * key's and its MAC matches its hash (which the verifier checks against its content).
	 */
	boolean authenticatesEvent(String hash, @Nullable String keyId, @Nullable String mac) {
		return this.keyId.equals(keyId) && macMatches(AuditHasher.macContent(hash), mac);
	}

	/**
	 * Whether {@code signature} (base64url) is a valid {@code algorithm} signature of
	 * {@code content} under {@code publicKey}.
	 */
	static boolean verify(PublicKey publicKey, String algorithm, byte[] content, String signature) {
		byte[] bytes;
		try {
			bytes = Base64.getUrlDecoder().decode(signature);
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
		return verify(publicKey, algorithm, content, bytes);
	}

	private static boolean verify(PublicKey publicKey, String algorithm, byte[] content, byte[] signature) {
		if (!algorithm.equals(ECDSA) && !algorithm.equals(ED25519)) {
			return false;
		}
		try {
			Signature verifier = Signature.getInstance(algorithm);
			verifier.initVerify(publicKey);
			verifier.update(content);
			return verifier.verify(signature);
		}
		catch (InvalidKeyException | SignatureException ex) {
			return false;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("This JVM cannot verify " + algorithm + " signatures", ex);
		}
	}

	/**
	 * Reads a PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo), EC P-256 or Ed25519.
	 */
	static PublicKey publicKeyFromPem(String pem) {
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

	/** The id a public key gives its checkpoints. */
	static String keyIdOf(PublicKey publicKey) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded());
			return HexFormat.of().formatHex(digest, 0, 8);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
	}

	/** The algorithm of signatures made with the private half of {@code publicKey}. */
	static String algorithmOf(PublicKey publicKey) {
		return publicKey.getAlgorithm().equals("EC") ? ECDSA : ED25519;
	}

	static String publicKeyPem(PublicKey publicKey) {
		return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
			.encodeToString(publicKey.getEncoded()) + "\n-----END PUBLIC KEY-----\n";
	}

	@Override
	public String toString() {
		// Never the key itself.
		return "AuditSigningKey[" + this.algorithm + ", id " + this.keyId + "]";
	}

	private Mac newMac() {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(this.macKey);
			return mac;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

	private static byte[] hmac(SecretKeySpec key, byte[] data) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(key);
			return mac.doFinal(data);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

	private static PublicKey generatePublic(String algorithm, java.security.spec.KeySpec spec) {
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

	/**
	 * Scalar multiplication on a short Weierstrass curve over a prime field, in affine
	 * coordinates: run once per key, at start-up, to derive the public point the JCA does
	 * not expose.
	 */
	private static final class P256 {

		private P256() {
		}

		static ECPoint multiply(BigInteger scalar, ECParameterSpec params) {
			BigInteger p = ((ECFieldFp) params.getCurve().getField()).getP();
			BigInteger a = params.getCurve().getA();
			ECPoint result = ECPoint.POINT_INFINITY;
			ECPoint addend = params.getGenerator();
			for (int bit = 0; bit < scalar.bitLength(); bit++) {
				if (scalar.testBit(bit)) {
					result = add(result, addend, p, a);
				}
				addend = add(addend, addend, p, a);
			}
			return result;
		}

		private static ECPoint add(ECPoint one, ECPoint other, BigInteger p, BigInteger a) {
			if (one.equals(ECPoint.POINT_INFINITY)) {
				return other;
			}
			if (other.equals(ECPoint.POINT_INFINITY)) {
				return one;
			}
			BigInteger x1 = one.getAffineX();
			BigInteger y1 = one.getAffineY();
			BigInteger x2 = other.getAffineX();
			BigInteger y2 = other.getAffineY();
			BigInteger slope;
			if (x1.equals(x2)) {
				if (!y1.equals(y2) || y1.signum() == 0) {
					return ECPoint.POINT_INFINITY;
				}
				slope = x1.pow(2).multiply(BigInteger.valueOf(3)).add(a).multiply(y1.shiftLeft(1).modInverse(p)).mod(p);
			}
			else {
				slope = y2.subtract(y1).multiply(x2.subtract(x1).modInverse(p)).mod(p);
			}
			BigInteger x3 = slope.pow(2).subtract(x1).subtract(x2).mod(p);
			BigInteger y3 = slope.multiply(x1.subtract(x3)).subtract(y1).mod(p);
			return new ECPoint(x3, y3);
		}

	}

	/**
	 * The Ed25519 public point of a private key's seed (RFC 8032 §5.1.5), in affine
	 * coordinates on edwards25519: run once per key, at start-up.
	 */
	private static final class Ed25519Point {

		private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

		private static final BigInteger D = BigInteger.valueOf(-121665)
			.multiply(BigInteger.valueOf(121666).modInverse(P))
			.mod(P);

		private static final BigInteger BASE_X = new BigInteger(
				"15112221349535400772501151409588531511454012693041857206046113283949847762202");

		private static final BigInteger BASE_Y = new BigInteger(
				"46316835694926478169428394003475163141307993866256225615783033603165251855960");

		private Ed25519Point() {
		}

		static EdECPoint publicPoint(byte[] seed) {
			byte[] hash;
			try {
				hash = MessageDigest.getInstance("SHA-512").digest(seed);
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("SHA-512 is not available", ex);
			}
			byte[] scalar = Arrays.copyOf(hash, 32);
			scalar[0] &= (byte) 248;
			scalar[31] &= (byte) 127;
			scalar[31] |= (byte) 64;
			BigInteger s = new BigInteger(1, reverse(scalar));
			BigInteger[] result = { BigInteger.ZERO, BigInteger.ONE };
			BigInteger[] addend = { BASE_X, BASE_Y };
			for (int bit = 0; bit < s.bitLength(); bit++) {
				if (s.testBit(bit)) {
					result = add(result, addend);
				}
				addend = add(addend, addend);
			}
			return new EdECPoint(result[0].testBit(0), result[1]);
		}

		/** The complete addition law of the twisted Edwards curve -x²+y²=1+dx²y². */
		private static BigInteger[] add(BigInteger[] one, BigInteger[] other) {
			BigInteger x1x2 = one[0].multiply(other[0]).mod(P);
			BigInteger y1y2 = one[1].multiply(other[1]).mod(P);
			BigInteger dxxyy = D.multiply(x1x2).multiply(y1y2).mod(P);
			BigInteger x3 = one[0].multiply(other[1])
				.add(one[1].multiply(other[0]))
				.multiply(BigInteger.ONE.add(dxxyy).modInverse(P))
				.mod(P);
			BigInteger y3 = y1y2.add(x1x2).multiply(BigInteger.ONE.subtract(dxxyy).mod(P).modInverse(P)).mod(P);
			return new BigInteger[] { x3, y3 };
		}

		private static byte[] reverse(byte[] bytes) {
			byte[] reversed = new byte[bytes.length];
			for (int i = 0; i < bytes.length; i++) {
				reversed[i] = bytes[bytes.length - 1 - i];
			}
			return reversed;
		}

	}

	/**
	 * SEC1 {@code ECPrivateKey} (RFC 5915), as OpenSSL and Helm's {@code genPrivateKey}
	 * write it, wrapped in the PKCS#8 structure the JCA reads.
	 */
	private static final class Sec1 {

		/** SEQUENCE { OID id-ecPublicKey, OID prime256v1 }. */
		private static final byte[] P256_ALGORITHM = HexFormat.of()
			.parseHex("301306072a8648ce3d020106082a8648ce3d030107");

		/** OID prime256v1, as it appears in the optional [0] parameters. */
		private static final byte[] P256_OID = HexFormat.of().parseHex("06082a8648ce3d030107");

		private Sec1() {
		}

		static byte[] toPkcs8(byte[] sec1) {
			// ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] params,
			// [1] publicKey }
			Der key = Der.read(sec1, 0);
			if (key.tag() != 0x30 || key.end() != sec1.length) {
				throw new IllegalArgumentException("its EC PRIVATE KEY is not a DER SEQUENCE");
			}
			Der version = Der.read(sec1, key.contentStart());
			Der secret = Der.read(sec1, version.end());
			if (version.tag() != 0x02 || secret.tag() != 0x04 || secret.length() != 32) {
				throw new IllegalArgumentException("its EC PRIVATE KEY is not a 32-byte (P-256) key");
			}
			if (secret.end() < key.end()) {
				Der next = Der.read(sec1, secret.end());
				if (next.tag() == 0xa0
						&& !Arrays.equals(Arrays.copyOfRange(sec1, next.contentStart(), next.end()), P256_OID)) {
					throw new IllegalArgumentException("its EC PRIVATE KEY is on another curve than P-256");
				}
			}
			byte[] version0 = { 0x02, 0x01, 0x00 };
			byte[] octets = concat(new byte[] { 0x04 }, Der.length(sec1.length), sec1);
			byte[] body = concat(version0, P256_ALGORITHM, octets);
			return concat(new byte[] { 0x30 }, Der.length(body.length), body);
		}

		private static byte[] concat(byte[]... parts) {
			int length = 0;
			for (byte[] part : parts) {
				length += part.length;
			}
			byte[] all = new byte[length];
			int at = 0;
			for (byte[] part : parts) {
				System.arraycopy(part, 0, all, at, part.length);
				at += part.length;
			}
			return all;
		}

	}

	/** One DER element: its tag, where its content starts, and its length. */
	private record Der(int tag, int contentStart, int length) {

		int end() {
			return this.contentStart + this.length;
		}

		static Der read(byte[] der, int at) {
			if (at + 2 > der.length) {
				throw new IllegalArgumentException("its key ends early (DER)");
			}
			int tag = der[at] & 0xff;
			int first = der[at + 1] & 0xff;
			int length;
			int start;
			if (first < 0x80) {
				length = first;
				start = at + 2;
			}
			else {
				int bytes = first & 0x7f;
				if (bytes == 0 || bytes > 3 || at + 2 + bytes > der.length) {
					throw new IllegalArgumentException("its key has a bad DER length");
				}
				length = 0;
				for (int i = 0; i < bytes; i++) {
					length = (length << 8) | (der[at + 2 + i] & 0xff);
				}
				start = at + 2 + bytes;
			}
			if (start + length > der.length) {
				throw new IllegalArgumentException("its key ends early (DER)");
			}
			return new Der(tag, start, length);
		}

		static byte[] length(int length) {
			if (length < 0x80) {
				return new byte[] { (byte) length };
			}
			if (length < 0x100) {
				return new byte[] { (byte) 0x81, (byte) length };
			}
			return new byte[] { (byte) 0x82, (byte) (length >> 8), (byte) length };
		}

	}

}

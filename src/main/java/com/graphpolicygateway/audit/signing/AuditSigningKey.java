package com.graphpolicygateway.audit.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditHasher;

/**
 * The audit trail's signing key: an EC P-256 or Ed25519 private key (read by
 * {@link SigningKeyFiles} from a PEM file mounted from a secret). It signs checkpoints; a
 * MAC key derived from it authenticates every event, so that only a holder of the key
 * (every gateway replica mounts the same one) can write an event that verifies. The
 * database never holds it. Its public half verifies checkpoints.
 */
public final class AuditSigningKey {

	/** JCA name of the checkpoint signature on an EC P-256 key (DER-encoded). */
	static final String ECDSA = "SHA256withECDSA";

	/** JCA name of the checkpoint signature on an Ed25519 key. */
	static final String ED25519 = "Ed25519";

	private static final byte[] MAC_KEY_LABEL = "graph-policy-gateway audit MAC key v1"
		.getBytes(StandardCharsets.US_ASCII);

	private final PrivateKey privateKey;

	private final PublicKey publicKey;

	private final String algorithm;

	private final String keyId;

	private final SecretKeySpec macKey;

	private final ThreadLocal<Mac> macs;

	AuditSigningKey(PrivateKey privateKey, PublicKey publicKey, String algorithm, byte[] secret) {
		this.privateKey = privateKey;
		this.publicKey = publicKey;
		this.algorithm = algorithm;
		this.keyId = keyIdOf(publicKey);
		this.macKey = new SecretKeySpec(hmac(new SecretKeySpec(secret, "HmacSHA256"), MAC_KEY_LABEL), "HmacSHA256");
		Arrays.fill(secret, (byte) 0);
		this.macs = ThreadLocal.withInitial(this::newMac);
	}

	/** The key's id: the first 16 hex digits of the SHA-256 of its public key (X.509). */
	public String keyId() {
		return this.keyId;
	}

	/** The checkpoint signature's algorithm ({@link #ECDSA} or {@link #ED25519}). */
	String algorithm() {
		return this.algorithm;
	}

	/** The public half, as a PEM {@code PUBLIC KEY} block. */
	public String publicKeyPem() {
		return publicKeyPem(this.publicKey);
	}

	public PublicKey publicKey() {
		return this.publicKey;
	}

	/** Signs {@code content}; the signature is base64url without padding. */
	String signature(byte[] content) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(sign(content));
	}

	byte[] sign(byte[] content) {
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
	public String pendingMac(AuditEvent pending, String writerId) {
		return mac(AuditHasher.pendingMacContent(pending, writerId));
	}

	/** The MAC of a chained event whose hash is {@code hash}. */
	public String eventMac(String hash) {
		return mac(AuditHasher.macContent(hash));
	}

	/**
	 * Whether a pending row was written by a holder of this key: its key id is this key's
	 * and its MAC matches its content.
	 */
	public boolean authenticatesPending(AuditEvent pending, String writerId, @Nullable String keyId,
			@Nullable String mac) {
		return this.keyId.equals(keyId) && macMatches(AuditHasher.pendingMacContent(pending, writerId), mac);
	}

	/**
	 * Whether a chained event was written by a holder of this key: its key id is this
	 * key's and its MAC matches its hash (which the verifier checks against its content).
	 */
	public boolean authenticatesEvent(String hash, @Nullable String keyId, @Nullable String mac) {
		return this.keyId.equals(keyId) && macMatches(AuditHasher.macContent(hash), mac);
	}

	/**
	 * Whether {@code signature} (base64url) is a valid {@code algorithm} signature of
	 * {@code content} under {@code publicKey}.
	 */
	public static boolean verify(PublicKey publicKey, String algorithm, byte[] content, String signature) {
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

}

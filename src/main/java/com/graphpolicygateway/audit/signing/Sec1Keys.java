package com.graphpolicygateway.audit.signing;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * SEC1 {@code ECPrivateKey} (RFC 5915), as OpenSSL and Helm's {@code genPrivateKey} write
 * it, wrapped in the PKCS#8 structure the JCA reads; only P-256 keys.
 */
final class Sec1Keys {

	/** SEQUENCE { OID id-ecPublicKey, OID prime256v1 }. */
	private static final byte[] P256_ALGORITHM = HexFormat.of().parseHex("301306072a8648ce3d020106082a8648ce3d030107");

	/** OID prime256v1, as it appears in the optional [0] parameters. */
	private static final byte[] P256_OID = HexFormat.of().parseHex("06082a8648ce3d030107");

	private Sec1Keys() {
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

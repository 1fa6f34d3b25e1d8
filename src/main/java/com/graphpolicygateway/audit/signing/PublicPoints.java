package com.graphpolicygateway.audit.signing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.EdECPoint;
import java.util.Arrays;

/**
 * The public point of a private key, which the JCA does not expose: computed once per
 * key, at start-up, in plain affine arithmetic (no secret-dependent timing matters then),
 * and checked by the caller with a signature round trip.
 */
final class PublicPoints {

	private PublicPoints() {
	}

	/** The public point {@code s·G} of an EC private key on {@code params}' curve. */
	static ECPoint ec(BigInteger s, ECParameterSpec params) {
		return P256.multiply(s, params);
	}

	/** The Ed25519 public point of a private key's 32-byte seed. */
	static EdECPoint ed25519(byte[] seed) {
		return Ed25519Point.publicPoint(seed);
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

}

package com.graphpolicygateway.test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/** Builds Entra-shaped access tokens for tests, signed with a test key. */
public final class TestTokens {

	private TestTokens() {
	}

	public static Builder builder(RSAKey key) {
		return new Builder(key);
	}

	/** A token under construction; every claim has a valid default. */
	public static final class Builder {

		private RSAKey key;

		private String keyId;

		private final Map<String, Object> claims = new LinkedHashMap<>();

		private Builder(RSAKey key) {
			this.key = key;
			this.keyId = key.getKeyID();
			Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
			this.claims.put("iat", Date.from(now.minusSeconds(60)));
			this.claims.put("nbf", Date.from(now.minusSeconds(60)));
			this.claims.put("exp", Date.from(now.plusSeconds(3600)));
			this.claims.put("oid", "2f4c6a3e-8b1d-4e5f-9a7b-3c2d1e0f9a8b");
			this.claims.put("sub", "u7Qm3tR9kL2pX5vN8wZ1yB4cD6eF0gH");
			this.claims.put("azp", "d3590ed6-52b3-4102-aeff-aad2292ab01c");
			this.claims.put("upn", "adele.vance@contoso.example");
			this.claims.put("ver", "2.0");
		}

		public Builder issuer(String issuer) {
			return claim("iss", issuer);
		}

		public Builder tenant(String tenantId) {
			return claim("tid", tenantId);
		}

		public Builder audience(String... audiences) {
			return claim("aud", (audiences.length == 1) ? audiences[0] : List.of(audiences));
		}

		/** Delegated permissions, space-separated as Entra puts them in {@code scp}. */
		public Builder scopes(String scopes) {
			return claim("scp", scopes);
		}

		/** Application permissions; makes the token app-only. */
		public Builder roles(String... roles) {
			this.claims.remove("scp");
			this.claims.put("idtyp", "app");
			return claim("roles", List.of(roles));
		}

		public Builder expiresAt(Instant instant) {
			return claim("exp", Date.from(instant));
		}

		public Builder notBefore(Instant instant) {
			return claim("nbf", Date.from(instant));
		}

		public Builder claim(String name, Object value) {
			this.claims.put(name, value);
			return this;
		}

		public Builder without(String claim) {
			this.claims.remove(claim);
			return this;
		}

		/** Signs with another key (its kid goes in the header). */
		public Builder signedWith(RSAKey other) {
			this.key = other;
			this.keyId = other.getKeyID();
			return this;
		}

		public Builder keyId(String keyId) {
			this.keyId = keyId;
			return this;
		}

		public String build() {
			try {
				JWTClaimsSet.Builder set = new JWTClaimsSet.Builder().jwtID(UUID.randomUUID().toString());
				this.claims.forEach(set::claim);
				JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(this.keyId).build();
				SignedJWT jwt = new SignedJWT(header, set.build());
				JWSSigner signer = new RSASSASigner(this.key);
				jwt.sign(signer);
				return jwt.serialize();
			}
			catch (JOSEException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}

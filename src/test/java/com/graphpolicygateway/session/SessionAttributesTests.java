package com.graphpolicygateway.session;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser;
import org.springframework.security.web.server.csrf.DefaultCsrfToken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link SessionAttributes}: what a signed-in page session holds comes back
 * equal, and stored JSON naming a class outside Spring Security's allow-list is refused
 * without instantiating it.
 */
class SessionAttributesTests {

	private final SessionAttributes attributes = new SessionAttributes(getClass().getClassLoader());

	@Test
	void writeThenReadWhenSignedInSessionThenEqualValuesBack() {
		Map<String, Object> session = signedInSession();

		Map<String, Object> read = this.attributes.read(this.attributes.write(session));

		assertThat(read).containsOnlyKeys(session.keySet());
		SecurityContextImpl context = (SecurityContextImpl) read.get("SPRING_SECURITY_CONTEXT");
		OAuth2AuthenticationToken authentication = (OAuth2AuthenticationToken) context.getAuthentication();
		assertThat(authentication.getAuthorizedClientRegistrationId()).isEqualTo("audit-page");
		assertThat(authentication.getAuthorities()).extracting(Object::toString)
			.containsExactly("APPROLE_AuditLog.Read.All");
		DefaultOidcUser user = (DefaultOidcUser) authentication.getPrincipal();
		assertThat(user.getClaimAsString("tid")).isEqualTo("72f988bf-86f1-41af-91ab-2d7cd011db47");
		assertThat(user.getClaimAsStringList("roles")).containsExactly("AuditLog.Read.All");
		DefaultOidcUser written = (DefaultOidcUser) ((SecurityContextImpl) session.get("SPRING_SECURITY_CONTEXT"))
			.getAuthentication()
			.getPrincipal();
		assertThat(user.getIdToken().getExpiresAt()).isEqualTo(written.getIdToken().getExpiresAt());
		assertThat(user.getIdToken().getTokenValue()).isEqualTo(written.getIdToken().getTokenValue());
		assertThat(user.getName()).isEqualTo("subject-1");
		assertThat(
				read.get("org.springframework.security.web.server.csrf.WebSessionServerCsrfTokenRepository.CSRF_TOKEN"))
			.isEqualTo(session
				.get("org.springframework.security.web.server.csrf.WebSessionServerCsrfTokenRepository.CSRF_TOKEN"));
		assertThat(read.get("SPRING_SECURITY_SAVED_REQUEST")).isEqualTo("/audit?result=refused");
		OAuth2AuthorizationRequest request = (OAuth2AuthorizationRequest) read.get("AUTHORIZATION_REQUEST");
		assertThat(request.getState()).isEqualTo("state-1");
		assertThat(request.getRedirectUri()).isEqualTo("https://gateway.contoso.example/login/oauth2/code/audit-page");
	}

	@Test
	void redisSerializerWhenEachValueAloneThenEqualValuesBack() {
		RedisSerializer<Object> values = this.attributes.redisSerializer();
		Map<String, Object> session = signedInSession();
		session.put("creationTime", 1796621808974L);
		session.put("maxInactiveInterval", 1800);

		session.forEach((name, value) -> assertThat(values.deserialize(values.serialize(value))).as(name)
			.usingRecursiveComparison()
			.isEqualTo(value));
	}

	@Test
	void readWhenAClassOutsideTheAllowListIsNamedThenRefused() {
		String gadget = "{\"@class\":\"java.util.HashMap\",\"x\":{\"@class\":\"java.net.URL\","
				+ "\"protocol\":\"http\",\"host\":\"attacker.example\"}}";

		assertThatIllegalArgumentException().isThrownBy(() -> this.attributes.read(gadget))
			.withMessageNotContaining("attacker");
	}

	@Test
	void readWhenNotJsonThenRefusedWithoutQuotingIt() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.attributes.read("rO0ABXNyAB secret-id-token"))
			.withMessageNotContaining("secret");
	}

	static Map<String, Object> signedInSession() {
		DefaultOidcUser user = new DefaultOidcUser(List.of(new SimpleGrantedAuthority("APPROLE_AuditLog.Read.All")),
				idToken(), "sub");
		Map<String, Object> session = new LinkedHashMap<>();
		session.put("SPRING_SECURITY_CONTEXT",
				new SecurityContextImpl(new OAuth2AuthenticationToken(user, user.getAuthorities(), "audit-page")));
		session.put("org.springframework.security.web.server.csrf.WebSessionServerCsrfTokenRepository.CSRF_TOKEN",
				new DefaultCsrfToken("X-CSRF-TOKEN", "_csrf", "csrf-value"));
		session.put("SPRING_SECURITY_SAVED_REQUEST", "/audit?result=refused");
		session.put("AUTHORIZATION_REQUEST",
				OAuth2AuthorizationRequest.authorizationCode()
					.authorizationUri("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize")
					.clientId("a0d17a9e-3c4b-4d5e-8f70-00000000a0d1")
					.redirectUri("https://gateway.contoso.example/login/oauth2/code/audit-page")
					.scopes(Set.of("openid", "profile"))
					.state("state-1")
					.attributes(Map.of("registration_id", "audit-page", "nonce", "nonce-1"))
					.additionalParameters(Map.of("nonce", "hashed-nonce"))
					.build());
		return session;
	}

	static OidcIdToken idToken() {
		Instant issued = Instant.now().truncatedTo(ChronoUnit.SECONDS);
		return OidcIdToken.withTokenValue("header.payload.signature")
			.issuer("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0")
			.subject("subject-1")
			.audience(List.of("a0d17a9e-3c4b-4d5e-8f70-00000000a0d1"))
			.issuedAt(issued)
			.expiresAt(issued.plusSeconds(3600))
			.claim("tid", "72f988bf-86f1-41af-91ab-2d7cd011db47")
			.claim("oid", "2a1f9c7e-5b3d-4e8a-9f60-1c2d3e4f5a6b")
			.claim("preferred_username", "auditor@contoso.example")
			.claim("roles", List.of("AuditLog.Read.All"))
			.claim("nonce", "nonce-1")
			.build();
	}

}

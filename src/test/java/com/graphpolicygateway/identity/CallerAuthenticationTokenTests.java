package com.graphpolicygateway.identity;

import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.util.SerializationUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CallerAuthenticationToken}.
 */
class CallerAuthenticationTokenTests {

	@Test
	void converterWhenDelegatedTokenThenEntraAuthoritiesAndTheCallerItsClaimsName() {
		Jwt jwt = TestJwts.jwt()
			.subject("subject-1")
			.claim("oid", "87d349ed-44d7-43e1-9a83-5f2406dee5bd")
			.claim("upn", "adele@contoso.com")
			.claim("azp", "11111111-2222-3333-4444-555555555555")
			.build();

		AbstractAuthenticationToken authentication = convert(jwt);

		assertThat(authentication).isInstanceOf(CallerAuthenticationToken.class);
		assertThat(authentication.getName()).isEqualTo("subject-1");
		assertThat(authentication.getAuthorities()).extracting(GrantedAuthority::getAuthority)
			.contains(EntraAuthoritiesConverter.SCOPE_PREFIX + TestJwts.PERMISSION);
		assertThat(Caller.of(authentication)).contains(new Caller("Delegated", "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
				"adele@contoso.com", "11111111-2222-3333-4444-555555555555", TestJwts.TENANT,
				List.of("User.Read", TestJwts.PERMISSION)));
	}

	@Test
	void converterWhenAppOnlyTokenThenApplicationCallerWithItsRoles() {
		Jwt jwt = TestJwts.jwt()
			.claims((claims) -> claims.remove(EntraClaims.SCOPES))
			.claim("idtyp", "app")
			.claim("appid", "11111111-2222-3333-4444-555555555555")
			.claim(EntraClaims.ROLES, List.of(TestJwts.PERMISSION))
			.build();

		AbstractAuthenticationToken authentication = convert(jwt);

		assertThat(authentication.getAuthorities()).extracting(GrantedAuthority::getAuthority)
			.contains(EntraAuthoritiesConverter.ROLE_PREFIX + TestJwts.PERMISSION);
		assertThat(Caller.of(authentication)).contains(new Caller("Application", null, null,
				"11111111-2222-3333-4444-555555555555", TestJwts.TENANT, List.of(TestJwts.PERMISSION)));
	}

	@Test
	void converterWhenIdsInUpperCaseThenTheCallerHoldsThemInLowerCase() {
		Jwt jwt = TestJwts.jwt()
			.claim(EntraClaims.TENANT_ID, TestJwts.TENANT.toUpperCase(Locale.ROOT))
			.claim("oid", "87D349ED-44D7-43E1-9A83-5F2406DEE5BD")
			.claim("azp", "AAAAAAAA-2222-3333-4444-555555555555")
			.build();

		Caller caller = Caller.of(convert(jwt)).orElseThrow();

		assertThat(caller.tenantId()).isEqualTo(TestJwts.TENANT);
		assertThat(caller.userId()).isEqualTo("87d349ed-44d7-43e1-9a83-5f2406dee5bd");
		assertThat(caller.applicationId()).isEqualTo("aaaaaaaa-2222-3333-4444-555555555555");
	}

	@Test
	void callerWhenAskedAgainThenTheOneReadWhenConverted() {
		AbstractAuthenticationToken authentication = convert(TestJwts.jwt().build());

		assertThat(Caller.of(authentication).orElseThrow()).isSameAs(Caller.of(authentication).orElseThrow());
	}

	@Test
	void callerWhenSameTokenAsPlainAuthenticationThenEqual() {
		Jwt jwt = TestJwts.jwt().claim("oid", "87d349ed-44d7-43e1-9a83-5f2406dee5bd").build();

		assertThat(Caller.of(convert(jwt))).isEqualTo(Caller.of(TestJwts.authentication(jwt)));
	}

	@Test
	void callerWhenAuthenticationSerializedAndReadBackThenKept() {
		AbstractAuthenticationToken authentication = convert(
				TestJwts.jwt().claim("oid", "87d349ed-44d7-43e1-9a83-5f2406dee5bd").build());

		AbstractAuthenticationToken copy = SerializationUtils.clone(authentication);

		assertThat(copy).isInstanceOf(CallerAuthenticationToken.class);
		assertThat(Caller.of(copy)).isEqualTo(Caller.of(authentication)).isPresent();
	}

	private static AbstractAuthenticationToken convert(Jwt jwt) {
		return CallerAuthenticationToken.converter().convert(jwt).block();
	}

}

package com.graphpolicygateway.identity;

import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.web.server.authorization.AuthorizationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link RequiredPermissionAuthorizationManager}. */
class RequiredPermissionAuthorizationManagerTests {

	private final RequiredPermissionAuthorizationManager manager = new RequiredPermissionAuthorizationManager(
			TestJwts.PERMISSION);

	private final AuthorizationContext context = new AuthorizationContext(MockServerWebExchange
		.from(MockServerHttpRequest.patch("/v1.0/users/2f4c6a3e-8b1d-4e5f-9a7b-3c2d1e0f9a8b").build()));

	@Test
	void authorizeWhenScpHoldsPermissionAmongOthersThenGranted() {
		Jwt jwt = TestJwts.jwt().claim(EntraClaims.SCOPES, "User.Read " + TestJwts.PERMISSION + " Mail.Send").build();

		assertAllowed(TestJwts.authentication(jwt));
	}

	@Test
	void authorizeWhenRolesHoldPermissionThenGranted() {
		Jwt jwt = TestJwts.jwt()
			.claims((claims) -> claims.remove(EntraClaims.SCOPES))
			.claim(EntraClaims.ROLES, List.of("User.Read.All", TestJwts.PERMISSION))
			.build();

		assertAllowed(TestJwts.authentication(jwt));
	}

	@Test
	void authorizeWhenNeitherScpNorRolesHoldPermissionThenInsufficientScope() {
		Jwt jwt = TestJwts.jwt()
			.claim(EntraClaims.SCOPES, "User.Read DeviceManagementApps.Read.All")
			.claim(EntraClaims.ROLES, List.of("User.Read.All"))
			.build();

		PermissionDenial denial = assertDenied(TestJwts.authentication(jwt));

		assertThat(denial.insufficientScope()).isTrue();
		assertThat(denial.message()).contains(TestJwts.PERMISSION).contains("(scp)").contains("(roles)");
	}

	@Test
	void authorizeWhenPermissionOnlyInOtherClaimsThenInsufficientScope() {
		Jwt jwt = TestJwts.jwt()
			.claims((claims) -> claims.remove(EntraClaims.SCOPES))
			.claim("scope", TestJwts.PERMISSION)
			.claim("wids", List.of(TestJwts.PERMISSION))
			.claim("groups", List.of(TestJwts.PERMISSION))
			.build();

		PermissionDenial denial = assertDenied(TestJwts.authentication(jwt));

		assertThat(denial.insufficientScope()).isTrue();
	}

	@Test
	void authorizeWhenClaimsCarryTheOtherKindsPrefixThenInsufficientScope() {
		Jwt jwt = TestJwts.jwt()
			.claim(EntraClaims.SCOPES, EntraAuthoritiesConverter.ROLE_PREFIX + TestJwts.PERMISSION)
			.claim(EntraClaims.ROLES, List.of(EntraAuthoritiesConverter.SCOPE_PREFIX + TestJwts.PERMISSION))
			.build();

		assertThat(assertDenied(TestJwts.authentication(jwt)).insufficientScope()).isTrue();
	}

	@Test
	void authorizeWhenScpHoldsLongerNameStartingWithPermissionThenInsufficientScope() {
		Jwt jwt = TestJwts.jwt().claim(EntraClaims.SCOPES, TestJwts.PERMISSION + "Extra User.Read").build();

		assertThat(assertDenied(TestJwts.authentication(jwt)).insufficientScope()).isTrue();
	}

	@Test
	void authorizeWhenBareAuthorityNamedLikePermissionThenInsufficientScope() {
		Authentication caller = new TestingAuthenticationToken("user", null, TestJwts.PERMISSION);

		assertThat(assertDenied(caller).insufficientScope()).isTrue();
	}

	@Test
	void authorizeWhenPersonalAccountThenDeniedWithoutInsufficientScope() {
		Jwt jwt = TestJwts.jwt()
			.claim(EntraClaims.TENANT_ID, EntraClaims.PERSONAL_ACCOUNTS_TENANT)
			.issuer(TestJwts.entraV2Issuer(EntraClaims.PERSONAL_ACCOUNTS_TENANT))
			.build();

		PermissionDenial denial = assertDenied(TestJwts.authentication(jwt));

		assertThat(denial.insufficientScope()).isFalse();
		assertThat(denial.message()).isEqualTo("Personal Microsoft accounts are not supported by this API.");
	}

	@Test
	void authorizeWhenPersonalAccountTenantInUpperCaseThenDenied() {
		Jwt jwt = TestJwts.jwt()
			.claim(EntraClaims.TENANT_ID, EntraClaims.PERSONAL_ACCOUNTS_TENANT.toUpperCase())
			.build();

		assertThat(assertDenied(TestJwts.authentication(jwt)).insufficientScope()).isFalse();
	}

	@Test
	void authorizeWhenNotAuthenticatedThenNotGranted() {
		Authentication caller = TestJwts.authentication(TestJwts.jwt().build());
		caller.setAuthenticated(false);

		assertThat(isGranted(Mono.just(caller))).isFalse();
	}

	@Test
	void authorizeWhenNoAuthenticationThenNotGranted() {
		assertThat(isGranted(Mono.empty())).isFalse();
	}

	private void assertAllowed(Authentication caller) {
		assertThat(isGranted(Mono.just(caller))).isTrue();
		assertThat(this.manager.denialOf(caller)).isEmpty();
	}

	private PermissionDenial assertDenied(Authentication caller) {
		assertThat(isGranted(Mono.just(caller))).isFalse();
		return this.manager.denialOf(caller).orElseThrow();
	}

	private boolean isGranted(Mono<Authentication> caller) {
		return this.manager.authorize(caller, this.context).block().isGranted();
	}

}

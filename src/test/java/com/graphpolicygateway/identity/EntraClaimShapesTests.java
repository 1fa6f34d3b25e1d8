package com.graphpolicygateway.identity;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link EntraClaimShapes}. */
class EntraClaimShapesTests {

	private final EntraClaimShapes shapes = new EntraClaimShapes();

	@Test
	void validateWhenDelegatedTokenAsEntraIssuesItThenSuccess() {
		Jwt jwt = TestJwts.jwt()
			.subject("u7Qm3tR9kL2pX5vN8wZ1yB4cD6eF0gH")
			.claim("oid", "87d349ed-44d7-43e1-9a83-5f2406dee5bd")
			.claim("azp", "D3590ED6-52B3-4102-AEFF-AAD2292AB01C")
			.claim("upn", "adele.vance@contoso.example")
			.claim("preferred_username", "adele.vance@contoso.example")
			.claim("idtyp", "user")
			.claim("ver", "2.0")
			.build();

		assertThat(this.shapes.validate(jwt).hasErrors()).isFalse();
	}

	@Test
	void validateWhenAppOnlyTokenAsEntraIssuesItThenSuccess() {
		Jwt jwt = TestJwts.jwt()
			.claims((claims) -> claims.remove(EntraClaims.SCOPES))
			.claim("appid", "11111111-2222-3333-4444-555555555555")
			.claim("idtyp", "app")
			.claim("ver", "1.0")
			.claim(EntraClaims.ROLES, List.of(TestJwts.PERMISSION, "User.Read.All"))
			.build();

		assertThat(this.shapes.validate(jwt).hasErrors()).isFalse();
	}

	@Test
	void validateWhenClaimsAbsentThenSuccess() {
		Jwt jwt = TestJwts.jwt()
			.claims((claims) -> claims.keySet().removeIf((name) -> !name.equals("iss") && !name.equals("exp")))
			.build();

		assertThat(this.shapes.validate(jwt).hasErrors()).isFalse();
	}

	@Test
	void validateWhenRolesEmptyThenSuccessAndThePermissionCheckRefusesLater() {
		Jwt jwt = TestJwts.jwt().claim(EntraClaims.ROLES, List.of()).build();

		assertThat(this.shapes.validate(jwt).hasErrors()).isFalse();
	}

	@ParameterizedTest(name = "{0} = {1}")
	@MethodSource("malformed")
	void validateWhenClaimHasAnotherShapeThenInvalidTokenNamingTheClaim(String claim, @Nullable Object value) {
		Map<String, Object> claims = new HashMap<>(TestJwts.jwt().build().getClaims());
		claims.put(claim, value);
		Jwt jwt = new Jwt("token", null, null, Map.of("alg", "RS256"), claims);

		OAuth2TokenValidatorResult result = this.shapes.validate(jwt);

		assertThat(result.getErrors()).singleElement().satisfies((error) -> {
			assertThat(error.getErrorCode()).isEqualTo(OAuth2ErrorCodes.INVALID_TOKEN);
			assertThat(error.getDescription()).startsWith("The token's " + claim + " claim must be ");
		});
	}

	static Stream<Arguments> malformed() {
		String huge = "a".repeat(EntraClaimShapes.MAX_TEXT_LENGTH + 1);
		return Stream.of(Arguments.of("tid", 42), Arguments.of("tid", "contoso.onmicrosoft.com"),
				Arguments.of("tid", List.of(TestJwts.TENANT)), Arguments.of("tid", null), Arguments.of("oid", ""),
				Arguments.of("oid", Map.of("id", "x")), Arguments.of("azp", "my-app"), Arguments.of("appid", true),
				Arguments.of(EntraClaims.SCOPES, List.of(TestJwts.PERMISSION)), Arguments.of(EntraClaims.SCOPES, ""),
				Arguments.of(EntraClaims.SCOPES, " " + TestJwts.PERMISSION),
				Arguments.of(EntraClaims.SCOPES, "User.Read  " + TestJwts.PERMISSION),
				Arguments.of(EntraClaims.SCOPES, TestJwts.PERMISSION + "\t"),
				Arguments.of(EntraClaims.SCOPES, "a".repeat(EntraClaimShapes.MAX_PERMISSION_LENGTH + 1)),
				Arguments.of(EntraClaims.ROLES, TestJwts.PERMISSION),
				Arguments.of(EntraClaims.ROLES, List.of(List.of(TestJwts.PERMISSION))),
				Arguments.of(EntraClaims.ROLES, List.of(1)), Arguments.of(EntraClaims.ROLES, List.of("")),
				Arguments.of(EntraClaims.ROLES, Arrays.asList(TestJwts.PERMISSION, null)),
				Arguments.of(EntraClaims.ROLES, List.of("Device Management")),
				Arguments.of(EntraClaims.ROLES, List.of("Role\u0085")),
				Arguments.of(EntraClaims.ROLES,
						java.util.Collections.nCopies(EntraClaimShapes.MAX_PERMISSIONS + 1, "R")),
				Arguments.of("idtyp", "APP"), Arguments.of("idtyp", ""), Arguments.of("idtyp", 1),
				Arguments.of("ver", 2.0), Arguments.of("ver", "3.0"), Arguments.of("upn", ""), Arguments.of("upn", " "),
				Arguments.of("upn", huge), Arguments.of("upn", "adele\n@contoso.example"),
				Arguments.of("upn", List.of("adele@contoso.example")), Arguments.of("preferred_username", 7),
				Arguments.of("sub", Map.of()), Arguments.of("aud", List.of()), Arguments.of("aud", List.of("")),
				Arguments.of("aud", Arrays.asList(TestJwts.AUDIENCE, null)),
				Arguments.of("aud", List.of(List.of(TestJwts.AUDIENCE))), Arguments.of("aud", 5), Arguments.of("aud",
						java.util.Collections.nCopies(EntraClaimShapes.MAX_AUDIENCES + 1, TestJwts.AUDIENCE)));
	}

	@Test
	void validateWhenSeveralClaimsMalformedThenOneErrorForTheFirst() {
		Jwt jwt = TestJwts.jwt().claim("tid", 1).claim(EntraClaims.ROLES, "x").build();

		OAuth2Error error = this.shapes.validate(jwt).getErrors().iterator().next();

		assertThat(error.getDescription()).isEqualTo("The token's tid claim must be a GUID.");
	}

}

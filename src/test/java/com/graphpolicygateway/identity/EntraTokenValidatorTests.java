package com.graphpolicygateway.identity;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.system.GraphGatewayProperties.TrustedIssuer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Tests for {@link EntraTokenValidator}. */
class EntraTokenValidatorTests {

	private static final TrustedIssuer EXACT_ISSUER = new TrustedIssuer("https://sts.contoso.example/gateway",
			URI.create("https://sts.contoso.example/keys"));

	private final EntraTokenValidator validator = new EntraTokenValidator(GraphGatewayProperties.Identity.ENTRA_V2,
			List.of(TestJwts.AUDIENCE));

	@Test
	void validateWhenEntraTokenForGatewayThenSuccess() {
		OAuth2TokenValidatorResult result = this.validator.validate(TestJwts.jwt().build());

		assertThat(result.hasErrors()).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "00000003-0000-0000-c000-000000000000", "https://graph.microsoft.com",
			"https://graph.microsoft.com/" })
	void validateWhenAudienceIsGraphThenInvalidWithConfusedDeputyExplanation(String graphAudience) {
		Jwt jwt = TestJwts.jwt().audience(List.of(graphAudience)).build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getErrorCode()).isEqualTo(OAuth2ErrorCodes.INVALID_TOKEN);
		assertThat(error.getDescription()).contains("audience is Microsoft Graph")
			.contains("confused deputy")
			.contains("obtains its own Graph token")
			.contains(TestJwts.AUDIENCE);
	}

	@Test
	void validateWhenAudienceHoldsGatewayAndGraphThenInvalid() {
		EntraTokenValidator lenient = new EntraTokenValidator(GraphGatewayProperties.Identity.ENTRA_V2,
				List.of(TestJwts.AUDIENCE, "https://graph.microsoft.com"));
		Jwt jwt = TestJwts.jwt().audience(List.of(TestJwts.AUDIENCE, "https://graph.microsoft.com")).build();

		OAuth2Error error = singleError(lenient.validate(jwt));

		assertThat(error.getDescription()).contains("confused deputy");
	}

	@Test
	void validateWhenAudienceNotAcceptedThenInvalid() {
		Jwt jwt = TestJwts.jwt().audience(List.of("api://some-other-api")).build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getErrorCode()).isEqualTo(OAuth2ErrorCodes.INVALID_TOKEN);
		assertThat(error.getDescription()).isEqualTo("The token's audience is not accepted by this gateway.");
	}

	@Test
	void validateWhenNoAudienceThenInvalid() {
		Jwt jwt = TestJwts.jwt().claims((claims) -> claims.remove("aud")).build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getDescription()).contains("audience is not accepted");
	}

	@ParameterizedTest
	@ValueSource(strings = { "contoso.onmicrosoft.com", "72f988bf86f141af91ab2d7cd011db47",
			"72f988bf-86f1-41af-91ab-2d7cd011db47x", "" })
	void validateWhenTidNotGuidThenInvalid(String tid) {
		Jwt jwt = TestJwts.jwt().claim(EntraClaims.TENANT_ID, tid).issuer(TestJwts.entraV2Issuer(tid)).build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getDescription()).isEqualTo("The token's tid claim must be a GUID.");
	}

	@Test
	void validateWhenTidMissingThenInvalid() {
		Jwt jwt = TestJwts.jwt().claims((claims) -> claims.remove(EntraClaims.TENANT_ID)).build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getDescription()).isEqualTo("The token's tid claim must be a GUID.");
	}

	@Test
	void validateWhenIssuerTemplateFilledWithAnotherTenantThenInvalid() {
		Jwt jwt = TestJwts.jwt().issuer(TestJwts.entraV2Issuer(TestJwts.OTHER_TENANT)).build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getDescription()).isEqualTo("The token's issuer does not match its tenant.");
	}

	@Test
	void validateWhenIssuerIsV1FormOfSameTenantThenInvalid() {
		Jwt jwt = TestJwts.jwt().issuer("https://sts.windows.net/" + TestJwts.TENANT + "/").build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getDescription()).isEqualTo("The token's issuer does not match its tenant.");
	}

	@Test
	void validateWhenExactIssuerMatchesThenSuccessWhateverTheTid() {
		EntraTokenValidator exact = new EntraTokenValidator(EXACT_ISSUER, List.of(TestJwts.AUDIENCE));
		Jwt jwt = TestJwts.jwt()
			.issuer(EXACT_ISSUER.issuer())
			.claims((claims) -> claims.remove(EntraClaims.TENANT_ID))
			.build();

		assertThat(exact.validate(jwt).hasErrors()).isFalse();
	}

	@Test
	void validateWhenExactIssuerDiffersThenInvalid() {
		EntraTokenValidator exact = new EntraTokenValidator(EXACT_ISSUER, List.of(TestJwts.AUDIENCE));
		Jwt jwt = TestJwts.jwt().issuer(EXACT_ISSUER.issuer() + "/").build();

		OAuth2Error error = singleError(exact.validate(jwt));

		assertThat(error.getDescription()).isEqualTo("The token's issuer does not match its tenant.");
	}

	@Test
	void validateWhenExpiryMissingThenInvalid() {
		Jwt jwt = TestJwts.jwt().claims((claims) -> claims.remove("exp")).build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getDescription()).isEqualTo("The token has no expiry (exp).");
	}

	@Test
	void constructWhenNoAcceptedAudienceThenIllegalArgument() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EntraTokenValidator(GraphGatewayProperties.Identity.ENTRA_V2, List.of()))
			.withMessage("acceptedAudiences cannot be empty");
	}

	private static OAuth2Error singleError(OAuth2TokenValidatorResult result) {
		assertThat(result.hasErrors()).isTrue();
		assertThat(result.getErrors()).hasSize(1);
		return result.getErrors().iterator().next();
	}

}

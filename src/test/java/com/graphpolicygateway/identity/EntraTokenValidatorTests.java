package com.graphpolicygateway.identity;

import java.net.URI;
import java.util.List;
import java.util.Locale;

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
	@ValueSource(strings = { "00000003-0000-0000-c000-000000000000", "00000003-0000-0000-C000-000000000000",
			"https://graph.microsoft.com", "https://graph.microsoft.com/", "https://GRAPH.microsoft.com",
			"HTTPS://Graph.Microsoft.Com//", "https://graph.microsoft.com./", "https://graph.microsoft.com:443",
			"https://graph.microsoft.com/v1.0", "graph.microsoft.com", " https://graph.microsoft.com ",
			"https://canary.graph.microsoft.com", "spn:00000003-0000-0000-c000-000000000000",
			"https://graph.microsoft.us", "https://dod-graph.microsoft.us", "https://microsoftgraph.chinacloudapi.cn",
			"https://graph.microsoft.de", "https://GRAPH.MICROSOFT.US/" })
	void validateWhenAudienceIsGraphInAnyCaseOrCloudThenInvalidWithConfusedDeputyExplanation(String graphAudience) {
		Jwt jwt = TestJwts.jwt().audience(List.of(graphAudience)).build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getErrorCode()).isEqualTo(OAuth2ErrorCodes.INVALID_TOKEN);
		assertThat(error.getDescription()).contains("audience is Microsoft Graph")
			.contains("confused deputy")
			.contains("obtains its own Graph token")
			.contains(TestJwts.AUDIENCE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://graph.microsoft.com", "00000003-0000-0000-C000-000000000000",
			"https://GRAPH.microsoft.com" })
	void validateWhenAudienceHoldsGatewayAndGraphThenInvalid(String graphAudience) {
		Jwt jwt = TestJwts.jwt().audience(List.of(TestJwts.AUDIENCE, graphAudience)).build();

		OAuth2Error error = singleError(this.validator.validate(jwt));

		assertThat(error.getDescription()).contains("confused deputy");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://graph.microsoft.com", "00000003-0000-0000-C000-000000000000",
			"https://graph.microsoft.us/" })
	void constructWhenAnAcceptedAudienceIsGraphThenIllegalArgument(String graphAudience) {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EntraTokenValidator(GraphGatewayProperties.Identity.ENTRA_V2,
					List.of(TestJwts.AUDIENCE, graphAudience)))
			.withMessageContaining("graph-gateway.identity.audiences must name the gateway's own API");
	}

	@ParameterizedTest
	@ValueSource(strings = { "API://graph-policy-gateway-test", "api://GRAPH-POLICY-GATEWAY-TEST" })
	void validateWhenAudienceDiffersInSchemeOrHostCaseThenSuccess(String audience) {
		Jwt jwt = TestJwts.jwt().audience(List.of(audience)).build();

		assertThat(this.validator.validate(jwt).hasErrors()).isFalse();
	}

	@Test
	void validateWhenAudienceIsTheApplicationIdInAnotherCaseThenSuccess() {
		String applicationId = "5f6e7d8c-1a2b-4c3d-9e8f-0a1b2c3d4e5f";
		EntraTokenValidator byApplicationId = new EntraTokenValidator(GraphGatewayProperties.Identity.ENTRA_V2,
				List.of(applicationId));

		Jwt jwt = TestJwts.jwt().audience(List.of(applicationId.toUpperCase(Locale.ROOT))).build();

		assertThat(byApplicationId.validate(jwt).hasErrors()).isFalse();
	}

	@Test
	void validateWhenAudiencePathDiffersInCaseThenInvalid() {
		EntraTokenValidator withPath = new EntraTokenValidator(GraphGatewayProperties.Identity.ENTRA_V2,
				List.of("https://api.contoso.example/Gateway"));

		Jwt jwt = TestJwts.jwt().audience(List.of("https://API.contoso.example/gateway")).build();

		assertThat(singleError(withPath.validate(jwt)).getDescription())
			.isEqualTo("The token's audience is not accepted by this gateway.");
		assertThat(withPath.validate(TestJwts.jwt().audience(List.of("https://API.contoso.example/Gateway")).build())
			.hasErrors()).isFalse();
	}

	@Test
	void validateWhenTidAndIssuerNameTheTenantInDifferentCaseThenSuccess() {
		String upper = TestJwts.TENANT.toUpperCase(Locale.ROOT);

		assertThat(this.validator.validate(TestJwts.jwt().claim(EntraClaims.TENANT_ID, upper).build()).hasErrors())
			.isFalse();
		assertThat(this.validator.validate(TestJwts.jwt().issuer(TestJwts.entraV2Issuer(upper)).build()).hasErrors())
			.isFalse();
	}

	@Test
	void validateWhenIssuerDiffersOutsideTheTenantInCaseThenInvalid() {
		Jwt jwt = TestJwts.jwt().issuer("https://login.microsoftonline.com/" + TestJwts.TENANT + "/V2.0").build();

		assertThat(singleError(this.validator.validate(jwt)).getDescription())
			.isEqualTo("The token's issuer does not match its tenant.");
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

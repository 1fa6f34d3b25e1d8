package com.graphpolicygateway.identity;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link Audiences}. */
class AudiencesTests {

	@ParameterizedTest
	@CsvSource({ "api://graph-policy-gateway, api://graph-policy-gateway",
			"API://Graph-Policy-Gateway, api://graph-policy-gateway",
			"5F6E7D8C-1A2B-4C3D-9E8F-0A1B2C3D4E5F, 5f6e7d8c-1a2b-4c3d-9e8f-0a1b2c3d4e5f",
			"HTTPS://API.Contoso.Example/Gateway/V1, https://api.contoso.example/Gateway/V1",
			"https://API.contoso.example:8443, https://api.contoso.example:8443",
			"Gateway-Audience, Gateway-Audience" })
	void canonicalWhenAudienceThenGuidAndSchemeAndHostInLowerCasePathKept(String audience, String canonical) {
		assertThat(Audiences.canonical(audience)).isEqualTo(canonical);
	}

	@ParameterizedTest
	@ValueSource(strings = { "00000003-0000-0000-c000-000000000000", "00000003-0000-0000-C000-000000000000",
			"https://graph.microsoft.com", "https://GRAPH.microsoft.com/", "https://graph.microsoft.com.",
			"https://user@graph.microsoft.com/", "https://graph.microsoft.com:443/v1.0", "graph.microsoft.com",
			"https://canary.graph.microsoft.com", "https://graph.microsoft.us", "https://dod-graph.microsoft.us",
			"https://microsoftgraph.chinacloudapi.cn", "https://graph.microsoft.de", "\thttps://graph.microsoft.com\n",
			"spn:00000003-0000-0000-c000-000000000000", "https://graph.microsoft.com\\x" })
	void isMicrosoftGraphWhenGraphInAnyCaseSpellingOrCloudThenTrue(String audience) {
		assertThat(Audiences.isMicrosoftGraph(audience)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "api://graph-policy-gateway", "https://graph.microsoft.com.evil.example",
			"https://evilgraph.microsoft.com", "https://graph.contoso.example/graph.microsoft.com",
			"00000003-0000-0000-c000-000000000001", "https://management.azure.com" })
	void isMicrosoftGraphWhenAnotherApiThenFalse(String audience) {
		assertThat(Audiences.isMicrosoftGraph(audience)).isFalse();
	}

}

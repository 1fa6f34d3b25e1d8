package com.graphpolicygateway.upstream;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.util.Assert;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;

import com.graphpolicygateway.system.GraphGatewayProperties.TrustedIssuer;

/**
 * Asks the tenant's token endpoint for a Graph token: On-Behalf-Of a delegated caller
 * (RFC 7523 jwt-bearer with {@code requested_token_use=on_behalf_of}), or the gateway's
 * own app-only token (client credentials). Never logs a token, the client secret or a
 * client assertion.
 */
final class UpstreamTokenClient {

	/**
	 * The Graph resource's default scope: whatever the gateway's app registration was
	 * granted.
	 */
	static final String GRAPH_SCOPE = "https://graph.microsoft.com/.default";

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final WebClient webClient;

	private final String tokenUri;

	private final String clientId;

	private final ClientAuthentication clientAuthentication;

	private final Clock clock;

	UpstreamTokenClient(WebClient webClient, String tokenUri, String clientId,
			ClientAuthentication clientAuthentication, Clock clock) {
		Assert.notNull(webClient, "webClient cannot be null");
		Assert.hasText(tokenUri, "tokenUri cannot be empty");
		Assert.hasText(clientId, "clientId cannot be empty");
		Assert.notNull(clientAuthentication, "clientAuthentication cannot be null");
		this.webClient = webClient;
		this.tokenUri = tokenUri;
		this.clientId = clientId;
		this.clientAuthentication = clientAuthentication;
		this.clock = clock;
	}

	Mono<UpstreamToken> onBehalfOf(String tenantId, String callerToken) {
		MultiValueMap<String, String> form = form("urn:ietf:params:oauth:grant-type:jwt-bearer");
		form.add("assertion", callerToken);
		form.add("requested_token_use", "on_behalf_of");
		return request(tenantId, form);
	}

	Mono<UpstreamToken> clientCredentials(String tenantId) {
		return request(tenantId, form("client_credentials"));
	}

	private MultiValueMap<String, String> form(String grantType) {
		MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
		form.add("grant_type", grantType);
		form.add("client_id", this.clientId);
		form.add("scope", GRAPH_SCOPE);
		return form;
	}

	private Mono<UpstreamToken> request(String tenantId, MultiValueMap<String, String> form) {
		URI uri = URI.create(this.tokenUri.replace(TrustedIssuer.TENANT_PLACEHOLDER, tenantId));
		return this.clientAuthentication.parameters(uri).flatMap((credentials) -> {
			MultiValueMap<String, String> body = new LinkedMultiValueMap<>(form);
			credentials.forEach(body::add);
			return this.webClient.post()
				.uri(uri)
				.contentType(MediaType.APPLICATION_FORM_URLENCODED)
				.accept(MediaType.APPLICATION_JSON)
				.body(BodyInserters.fromFormData(body))
				.retrieve()
				.bodyToMono(JSON);
		})
			.timeout(TIMEOUT)
			.map(this::token)
			.onErrorMap(WebClientResponseException.class, UpstreamTokenClient::refusal)
			.onErrorMap((ex) -> !(ex instanceof TokenExchangeException),
					(ex) -> new TokenExchangeException(null, "The token endpoint could not be reached", ex));
	}

	private UpstreamToken token(Map<String, Object> body) {
		Object token = body.get("access_token");
		if (!(token instanceof String value) || value.isEmpty()) {
			throw new TokenExchangeException("invalid_response", "The token endpoint answered without access_token",
					null);
		}
		long expiresIn = (body.get("expires_in") instanceof Number number) ? number.longValue()
				: parseOrDefault(body.get("expires_in"));
		return new UpstreamToken(value, this.clock.instant().plusSeconds(expiresIn));
	}

	private static long parseOrDefault(Object value) {
		try {
			return Long.parseLong(String.valueOf(value));
		}
		catch (NumberFormatException ex) {
			return 300;
		}
	}

	private static TokenExchangeException refusal(WebClientResponseException ex) {
		Map<String, Object> body;
		try {
			body = ex.getResponseBodyAs(JSON);
		}
		catch (RuntimeException unreadable) {
			body = null;
		}
		String error = (body != null && body.get("error") instanceof String code) ? code
				: "http_" + ex.getStatusCode().value();
		String description = (body != null && body.get("error_description") instanceof String text) ? text : null;
		return new TokenExchangeException(error, description, null);
	}

}

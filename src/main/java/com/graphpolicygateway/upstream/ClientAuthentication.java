package com.graphpolicygateway.upstream;

import java.net.URI;
import java.util.Map;

import reactor.core.publisher.Mono;

/** How the gateway proves its app registration to the token endpoint. */
interface ClientAuthentication {

	/**
	 * What a token client needs configured: named by the errors of a gateway that needs
	 * one and has none.
	 */
	String REQUIRED = "graph-gateway.identity.client-id and one credential: client-secret, "
			+ "client-certificate-file with client-key-file, or client-assertion-file "
			+ "(Azure Workload Identity's AZURE_FEDERATED_TOKEN_FILE)";

	/** {@code client_assertion_type} of a client assertion that is a JWT (RFC 7523). */
	String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

	/**
	 * The form parameters that prove the client in one token request to
	 * {@code tokenEndpoint}.
	 */
	Mono<Map<String, String>> parameters(URI tokenEndpoint);

	/** A client secret ({@code client_secret}). */
	static ClientAuthentication secret(String clientSecret) {
		Map<String, String> parameters = Map.of("client_secret", clientSecret);
		return (tokenEndpoint) -> Mono.just(parameters);
	}

}

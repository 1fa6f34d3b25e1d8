package com.graphpolicygateway.upstream;

import java.net.URI;

import org.springframework.util.MultiValueMap;

/** How the gateway proves its app registration to the token endpoint. */
interface ClientAuthentication {

	/** Adds the client's credentials to a token request for {@code tokenEndpoint}. */
	void addTo(MultiValueMap<String, String> form, URI tokenEndpoint);

	/** A client secret ({@code client_secret}). */
	static ClientAuthentication secret(String clientSecret) {
		return (form, tokenEndpoint) -> form.add("client_secret", clientSecret);
	}

}

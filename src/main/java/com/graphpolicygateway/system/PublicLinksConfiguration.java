package com.graphpolicygateway.system;

import org.springdoc.core.customizers.ServerBaseUrlCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The gateway's public address, for every link it hands out, the OpenAPI document's
 * {@code servers} included (springdoc would take it from the request's {@code Host}).
 */
@Configuration(proxyBeanMethods = false)
class PublicLinksConfiguration {

	@Bean
	PublicLinks publicLinks(GraphGatewayProperties properties) {
		return new PublicLinks(properties.publicBaseUrl());
	}

	@Bean
	ServerBaseUrlCustomizer publicServerBaseUrl(PublicLinks links) {
		// Without a public base URL: "/", which OpenAPI reads as relative to the
		// document.
		return (fromRequest, request) -> links.baseUrl().orElse("/");
	}

}

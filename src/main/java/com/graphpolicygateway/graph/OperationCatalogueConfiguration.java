package com.graphpolicygateway.graph;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * The catalogue every stage reads its operations from, built once from
 * {@code graph-gateway.operations}.
 */
@Configuration(proxyBeanMethods = false)
class OperationCatalogueConfiguration {

	@Bean
	OperationCatalogue operationCatalogue(GraphGatewayProperties properties) {
		return OperationCatalogue.of(properties.operations(), properties.requiredPermission(),
				properties.request().maxBodySize());
	}

}

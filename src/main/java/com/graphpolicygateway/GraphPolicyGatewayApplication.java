package com.graphpolicygateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Graph Policy Gateway: enforces tenant policy on Microsoft Graph user changes. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GraphPolicyGatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(GraphPolicyGatewayApplication.class, args);
	}

}

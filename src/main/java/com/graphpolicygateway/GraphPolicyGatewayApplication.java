package com.graphpolicygateway;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

import com.graphpolicygateway.audit.verify.AuditVerifyCommand;
import com.graphpolicygateway.system.EventLoopThreads;

/** Graph Policy Gateway: enforces tenant policy on Microsoft Graph user changes. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GraphPolicyGatewayApplication {

	public static void main(String[] args) {
		if (Arrays.asList(args).contains(AuditVerifyCommand.ARGUMENT)) {
			System.exit(AuditVerifyCommand.run(args, System.out));
		}
		// Before Reactor Netty makes its loops (EventLoopThreads says why).
		EventLoopThreads.defaultToOnePerCore(System.getProperties(), Runtime.getRuntime().availableProcessors());
		SpringApplication.run(GraphPolicyGatewayApplication.class, args);
	}

}

package com.graphpolicygateway.audit.page;

import java.time.Clock;
import java.time.Duration;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.io.ClassPathResource;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.graphpolicygateway.audit.query.AuditAccess;
import com.graphpolicygateway.audit.query.AuditAccessLog;
import com.graphpolicygateway.audit.query.AuditEventsHandler;
import com.graphpolicygateway.audit.verify.AuditChainStatus;
import com.graphpolicygateway.audit.verify.AuditChainVerifier;
import com.graphpolicygateway.graph.AuditPagePaths;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * The audit page, served when its sign-in ({@code audit-page} client registration) is
 * configured; its security chain lives with the rest of the caller-facing security.
 */
@Configuration(proxyBeanMethods = false)
@Profile("!" + GatewayProfiles.BARE)
@ConditionalOnProperty(AuditPagePaths.CLIENT_ID_PROPERTY)
class AuditPageConfiguration {

	@Bean
	AuditChainStatus auditChainStatus(AuditChainVerifier verifier, Clock clock) {
		return new AuditChainStatus(verifier::verify, clock, Duration.ofMinutes(5), Duration.ofSeconds(2));
	}

	@Bean
	RouterFunction<ServerResponse> auditPage(AuditEventsHandler events, AuditAccess access, AuditAccessLog log,
			AuditChainStatus chain, GraphGatewayProperties properties, OperationCatalogue catalogue) {
		AuditPageHandler page = new AuditPageHandler(events, access, log, chain, properties.audit().auditorPermission(),
				catalogue.operations().stream().map(Operation::id).toList());
		return RouterFunctions.route()
			.GET(AuditPagePaths.PAGE, page::list)
			.GET(AuditPagePaths.EVENT, page::event)
			.GET(AuditPagePaths.ACCESS, page::accessLog)
			.GET(AuditPagePaths.EXPORT, page::export)
			.GET(AuditPagePaths.FORBIDDEN, page::forbidden)
			.GET(AuditPagePaths.SIGNED_OUT, page::signedOut)
			.GET(AuditPagePaths.SIGN_IN_FAILED, page::signInFailed)
			.add(RouterFunctions.resources(AuditPagePaths.ASSETS + "**", new ClassPathResource("audit-page/")))
			.build();
	}

}

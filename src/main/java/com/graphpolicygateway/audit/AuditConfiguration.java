package com.graphpolicygateway.audit;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.query.AuditAccess;
import com.graphpolicygateway.audit.query.AuditAccessLog;
import com.graphpolicygateway.audit.query.AuditAccessLogHandler;
import com.graphpolicygateway.audit.query.AuditApiDocumentation;
import com.graphpolicygateway.audit.query.AuditCheckpointsHandler;
import com.graphpolicygateway.audit.query.AuditEventsHandler;
import com.graphpolicygateway.audit.query.AuditReadRefusalWebFilter;
import com.graphpolicygateway.audit.query.JdbcAuditReader;
import com.graphpolicygateway.audit.signing.AuditChainSigner;
import com.graphpolicygateway.audit.signing.AuditSigning;
import com.graphpolicygateway.audit.signing.AuditSigningKey;
import com.graphpolicygateway.audit.signing.SigningKeyFiles;
import com.graphpolicygateway.audit.store.SqliteStoreSettings;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.audit.verify.AuditChainVerifier;
import com.graphpolicygateway.audit.verify.AuditVerification;
import com.graphpolicygateway.audit.write.AuditEventFactory;
import com.graphpolicygateway.audit.write.AuditGatewayFilterFactory;
import com.graphpolicygateway.audit.write.AuditMaintenance;
import com.graphpolicygateway.audit.write.AuditWebFilter;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.audit.write.BeforeImageGatewayFilterFactory;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.system.PublicLinks;

/**
 * The audit trail's parts: store, writer thread, event factory, the two filters that
 * write events (route and pre-route refusals), maintenance, and the verification
 * endpoint.
 */
@Configuration(proxyBeanMethods = false)
@Profile("!" + GatewayProfiles.BARE)
class AuditConfiguration {

	private static final Log logger = LogFactory.getLog(AuditConfiguration.class);

	/** Path of the auditors' chain verification. */
	static final String VERIFY_PATH = "/audit/verify";

	/**
	 * The audit signing key, when {@code graph-gateway.audit.signing.key} names one;
	 * start-up fails when it names a file that cannot be used.
	 */
	@Bean
	AuditSigning auditSigning(GraphGatewayProperties properties) {
		GraphGatewayProperties.Signing signing = properties.audit().signing();
		if (signing.key() == null) {
			logger.warn("The audit trail is not keyed (graph-gateway.audit.signing.key is not set): its hash chains "
					+ "show accidents, not changes by someone with write access to the audit database");
			return AuditSigning.NONE;
		}
		AuditSigningKey key = signing.createIfMissing() ? SigningKeyFiles.readOrCreate(signing.key())
				: SigningKeyFiles.read(signing.key());
		logger.info("The audit trail is keyed: events carry MACs and checkpoints are signed with " + key);
		return new AuditSigning(key);
	}

	/**
	 * An embedded SQLite database gets its folder, and starts only with the settings the
	 * trail needs; an H2 database (earlier versions' embedded store) does not start.
	 */
	@Bean
	static SqliteStoreSettings sqliteStoreSettings() {
		return new SqliteStoreSettings();
	}

	@Bean
	JdbcAuditStore jdbcAuditStore(JdbcTemplate jdbc, PlatformTransactionManager transactions, AuditSigning signing,
			GraphGatewayProperties properties, Clock clock) {
		GraphGatewayProperties.Signing settings = properties.audit().signing();
		AuditChainSigner signer = (signing.key() != null) ? new AuditChainSigner(signing.key(), jdbc, clock,
				settings.checkpointEvents(), settings.checkpointInterval()) : null;
		// Each gateway process writes its own chain: replicas never contend for one chain
		// head.
		return new JdbcAuditStore(jdbc, new TransactionTemplate(transactions), UUID.randomUUID().toString(), signer);
	}

	@Bean
	AuditWriter auditWriter(JdbcAuditStore store, GraphGatewayProperties properties, Clock clock,
			MeterRegistry meters) {
		GraphGatewayProperties.Audit audit = properties.audit();
		return new AuditWriter(store, audit.queueCapacity(), audit.batchSize(), clock, meters);
	}

	@Bean
	AuditEventFactory auditEventFactory(GraphGatewayProperties properties, Clock clock, OperationCatalogue catalogue) {
		return new AuditEventFactory(properties.audit().redact(), properties.audit().maxValueLength(), clock,
				catalogue);
	}

	@Bean
	AuditGatewayFilterFactory auditGatewayFilterFactory(AuditWriter writer, AuditEventFactory events,
			GraphErrorResponder errors) {
		return new AuditGatewayFilterFactory(writer, events, errors);
	}

	/**
	 * The read of a change's before-image from Graph, for tenants whose policy sets
	 * {@code capture-before}.
	 */
	@Bean
	BeforeImageGatewayFilterFactory beforeImageGatewayFilterFactory(GraphGatewayProperties properties,
			AuditEventFactory events, GraphErrorResponder errors, JsonMapper jsonMapper) {
		return new BeforeImageGatewayFilterFactory(WebClient.create(), properties.upstream().baseUri(), events, errors,
				jsonMapper);
	}

	@Bean
	AuditWebFilter auditWebFilter(AuditWriter writer, AuditEventFactory events, OperationCatalogue catalogue) {
		return new AuditWebFilter(writer, events, catalogue);
	}

	@Bean
	AuditMaintenance auditMaintenance(JdbcAuditStore store, AuditWriter writer, Clock clock,
			GraphGatewayProperties properties, MeterRegistry meters) {
		Duration staleAfter = properties.upstream()
			.responseTimeout()
			.plus(properties.audit().writeTimeout())
			.plus(properties.audit().recoveryGrace());
		return new AuditMaintenance(store, writer, clock, staleAfter, properties.audit().retentionDays(), meters);
	}

	@Bean
	AuditChainVerifier auditChainVerifier(JdbcTemplate jdbc, AuditSigning signing) {
		return new AuditChainVerifier(jdbc, signing.key(), null);
	}

	@Bean
	AuditApiDocumentation auditApiDocumentation(GraphGatewayProperties properties) {
		return new AuditApiDocumentation(properties.audit().auditorPermission());
	}

	@Bean
	AuditAccess auditAccess(GraphGatewayProperties properties) {
		return new AuditAccess(properties.audit().globalAuditors());
	}

	/**
	 * The access log: every read of the trail recorded in it, committed before the read
	 * is answered, within the audit write timeout.
	 */
	@Bean
	AuditAccessLog auditAccessLog(AuditWriter writer, Clock clock, GraphGatewayProperties properties) {
		return new AuditAccessLog(writer, clock, properties.audit().writeTimeout());
	}

	/** Records the reads of the auditors' API that the gateway's security refuses. */
	@Bean
	AuditReadRefusalWebFilter auditReadRefusalWebFilter(AuditAccessLog log) {
		return new AuditReadRefusalWebFilter(log);
	}

	@Bean
	AuditEventsHandler auditEventsHandler(JdbcTemplate jdbc, AuditAccess access, AuditAccessLog log,
			GraphErrorResponder errors, JsonMapper json, PublicLinks links, Clock clock) {
		return new AuditEventsHandler(new JdbcAuditReader(jdbc), access, log, errors, json, links, clock);
	}

	@Bean
	AuditAccessLogHandler auditAccessLogHandler(AuditEventsHandler events, AuditAccess access, AuditAccessLog log,
			GraphErrorResponder errors) {
		return new AuditAccessLogHandler(events, access, log, errors);
	}

	@Bean
	AuditCheckpointsHandler auditCheckpointsHandler(JdbcTemplate jdbc, AuditAccessLog log, GraphErrorResponder errors,
			JsonMapper json) {
		return new AuditCheckpointsHandler(jdbc, log, errors, json);
	}

	/**
	 * The auditors' endpoints: events (list, one, export), the access log (list, export),
	 * the signed checkpoints, and {@code GET /audit/verify}, which verifies the trail off
	 * the event loop and answers the report. Each read is recorded in the access log.
	 */
	@Bean
	RouterFunction<ServerResponse> auditEndpoints(AuditChainVerifier verifier, AuditEventsHandler events,
			AuditAccessLogHandler accessLog, AuditCheckpointsHandler checkpoints, AuditAccessLog log,
			GraphErrorResponder errors) {
		return RouterFunctions.route()
			.GET("/audit/checkpoints", checkpoints::list)
			.GET("/audit/events/export", events::export)
			.GET("/audit/events/{id}", events::get)
			.GET(AuditEventsHandler.PATH, events::list)
			.GET(AuditAccessLogHandler.EXPORT_PATH, accessLog::export)
			.GET(AuditAccessLogHandler.PATH, accessLog::list)
			.GET(VERIFY_PATH, (request) -> verify(request, verifier, log, errors))
			.build();
	}

	/**
	 * The verification report; the verification is recorded with how many events it
	 * checked.
	 */
	private static Mono<ServerResponse> verify(ServerRequest request, AuditChainVerifier verifier, AuditAccessLog log,
			GraphErrorResponder errors) {
		Mono<AuditVerification> report = Mono.fromCallable(verifier::verify).subscribeOn(Schedulers.boundedElastic());
		return request.principal()
			.map(Caller::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((caller) -> log.recorded(request.exchange(), caller.orElse(null),
					new AuditAccessLog.Read(AuditAccessLog.Kind.VERIFY, AuditAccessLog.ALL_TENANTS, ""), report,
					AuditVerification::eventsChecked))
			.flatMap((verified) -> ServerResponse.ok().bodyValue(verified))
			.onErrorResume(AuditUnavailableException.class, (ex) -> AuditAccessLog.unavailable(errors, request));
	}

}

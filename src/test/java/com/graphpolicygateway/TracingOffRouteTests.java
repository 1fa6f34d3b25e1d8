package com.graphpolicygateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.observation.ObservationHandler;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.TracingObservationHandler;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.logs.LogRecordProcessor;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;

import com.graphpolicygateway.graph.StageTracing;
import com.graphpolicygateway.test.GatewayIntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Without an OTLP endpoint, tracing is off (docs/tracing.md): no tracer, span processor
 * or exporter exists, so nothing is recorded or exported, and no observation is traced;
 * the caller's {@code traceparent} reaches Graph as it was sent, and the audit event
 * names the caller's trace.
 */
class TracingOffRouteTests extends GatewayIntegrationTest {

	static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

	@Autowired
	ApplicationContext context;

	@Autowired
	StageTracing stageTracing;

	@Autowired
	JdbcTemplate jdbc;

	@Test
	void contextWhenNoEndpointThenNoTracerSpanProcessorOrExporter() {
		assertThat(this.context.getBeanNamesForType(Tracer.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(OpenTelemetry.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(SdkTracerProvider.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(SpanProcessor.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(SpanExporter.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(LogRecordProcessor.class)).isEmpty();
		assertThat(this.context.getBeansOfType(ObservationHandler.class).values())
			.noneMatch(TracingObservationHandler.class::isInstance);
		assertThat(this.stageTracing.isOn()).isFalse();
	}

	@Test
	void patchWhenNoEndpointThenTheCallersTraceparentReachesGraphUnchangedAndTheAuditNamesItsTrace() {
		String traceparent = "00-" + TRACE_ID + "-b7ad6b7169203331-01";
		String clientRequestId = UUID.randomUUID().toString();

		this.client.method(HttpMethod.PATCH)
			.uri("/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.header("client-request-id", clientRequestId)
			.header("traceparent", traceparent)
			.header("tracestate", "congo=t61rcWkgMzE")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"displayName\":\"Adele Vance\"}")
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(graph.onlyRequest().headers().get("traceparent")).containsExactly(traceparent);
		assertThat(graph.onlyRequest().headers().get("tracestate")).containsExactly("congo=t61rcWkgMzE");
		List<Map<String, Object>> events = await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> !rows.isEmpty()
							&& rows.stream().noneMatch((row) -> "pending".equals(row.get("activity_result"))));
		assertThat(events).singleElement().satisfies((event) -> assertThat(event).containsEntry("trace_id", TRACE_ID));
	}

}

package com.graphpolicygateway.system;

import io.micrometer.tracing.exporter.SpanExportingPredicate;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.SpanExporters;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Spring Boot's span exporters (the OTLP one, and any other a deployment adds), each
 * sending spans without what their exceptions say ({@link RedactingSpanExporter}), and
 * not the spans of the actuator's requests; only while tracing is on
 * ({@link TracingSwitch}).
 */
@Configuration(proxyBeanMethods = false)
@Conditional(TracingSwitch.On.class)
class TracingConfiguration {

	/** The tag of Spring's request spans holding the path pattern. */
	static final String URI_TAG = "uri";

	@Bean
	SpanExporters spanExporters(ObjectProvider<SpanExporter> exporters) {
		return SpanExporters.of(exporters.orderedStream()
			.map((exporter) -> (SpanExporter) new RedactingSpanExporter(exporter))
			.toList());
	}

	/**
	 * Health probes and metric scrapes (every few seconds, on the management port) would
	 * be most of the traces: their requests are still timed, not exported.
	 */
	@Bean
	SpanExportingPredicate actuatorRequestsNotExported(Environment environment) {
		String basePath = environment.getProperty("management.endpoints.web.base-path", "/actuator");
		return (span) -> {
			String uri = span.getTags().get(URI_TAG);
			return uri == null || !(uri.equals(basePath) || uri.startsWith(basePath + "/"));
		};
	}

}

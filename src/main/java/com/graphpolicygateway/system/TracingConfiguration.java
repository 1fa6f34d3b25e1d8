package com.graphpolicygateway.system;

import io.opentelemetry.sdk.trace.export.SpanExporter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.SpanExporters;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot's span exporters (the OTLP one, and any other a deployment adds), each
 * sending spans without what their exceptions say ({@link RedactingSpanExporter}); only
 * while tracing is on ({@link TracingSwitch}).
 */
@Configuration(proxyBeanMethods = false)
@Conditional(TracingSwitch.On.class)
class TracingConfiguration {

	@Bean
	SpanExporters spanExporters(ObjectProvider<SpanExporter> exporters) {
		return SpanExporters.of(exporters.orderedStream()
			.map((exporter) -> (SpanExporter) new RedactingSpanExporter(exporter))
			.toList());
	}

}

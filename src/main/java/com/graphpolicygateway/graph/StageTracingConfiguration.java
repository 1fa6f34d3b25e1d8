package com.graphpolicygateway.graph;

import io.micrometer.tracing.Tracer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The stages' spans, made by Spring Boot's tracer when tracing is on (system's
 * {@code TracingSwitch}), else none.
 */
@Configuration(proxyBeanMethods = false)
class StageTracingConfiguration {

	@Bean
	StageTracing stageTracing(ObjectProvider<Tracer> tracer) {
		Tracer available = tracer.getIfAvailable();
		return (available != null && available != Tracer.NOOP) ? StageTracing.of(available) : StageTracing.OFF;
	}

}

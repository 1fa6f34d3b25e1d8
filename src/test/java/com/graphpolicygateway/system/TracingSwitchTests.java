package com.graphpolicygateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Spring Boot's tracing auto-configuration is imported only with an OTLP endpoint to
 * export to; OpenTelemetry's log export never; anything else always.
 */
class TracingSwitchTests {

	static final String[] CANDIDATES = {
			"org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration",
			"org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration",
			"org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingAutoConfiguration",
			"org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration",
			"org.springframework.boot.opentelemetry.autoconfigure.logging.OpenTelemetryLoggingAutoConfiguration",
			"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration", null };

	@Test
	void matchWhenNoEndpointThenNoTracingAutoConfiguration() {
		assertThat(filter(new MockEnvironment()).match(CANDIDATES, mock(AutoConfigurationMetadata.class)))
			.containsExactly(false, false, false, false, false, true, true);
	}

	@Test
	void matchWhenEndpointIsBlankThenNoTracingAutoConfiguration() {
		MockEnvironment environment = new MockEnvironment().withProperty(TracingSwitch.ENDPOINT, " ");

		assertThat(filter(environment).match(CANDIDATES, mock(AutoConfigurationMetadata.class))).containsExactly(false,
				false, false, false, false, true, true);
	}

	@Test
	void matchWhenEndpointThenTracingButNoLogExport() {
		MockEnvironment environment = new MockEnvironment().withProperty(TracingSwitch.ENDPOINT,
				"http://127.0.0.1:4318/v1/traces");

		assertThat(filter(environment).match(CANDIDATES, mock(AutoConfigurationMetadata.class))).containsExactly(true,
				true, true, true, false, true, true);
	}

	private static TracingSwitch filter(MockEnvironment environment) {
		TracingSwitch filter = new TracingSwitch();
		filter.setEnvironment(environment);
		return filter;
	}

}

package com.graphpolicygateway.system;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Distributed tracing is on only when the spans have somewhere to go: an OTLP endpoint
 * ({@value #ENDPOINT}). Without one, Spring Boot would still start an OpenTelemetry
 * tracer, create a span for every observation (sampling only decides which are kept) and
 * put its own {@code traceparent} on the call to Graph; this filter leaves Boot's tracing
 * and OpenTelemetry auto-configuration out instead, so that the gateway runs as it would
 * without them: no tracer, no span, no exporter thread, the caller's {@code traceparent}
 * forwarded unchanged. OpenTelemetry's log export is left out either way: the gateway
 * logs to the console (and no appender would feed it). Registered in
 * {@code META-INF/spring.factories}, read before any auto-configuration class is loaded.
 */
public final class TracingSwitch implements AutoConfigurationImportFilter, EnvironmentAware {

	/** Where spans are exported to (OTLP over HTTP); tracing is off while it is unset. */
	public static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";

	/** Spring Boot's tracing, and the OpenTelemetry SDK it configures. */
	private static final String[] TRACING = { "org.springframework.boot.micrometer.tracing.",
			"org.springframework.boot.opentelemetry." };

	/** OpenTelemetry's log export (a batch processor and its thread, fed by nothing). */
	private static final String LOG_EXPORT = "org.springframework.boot.opentelemetry.autoconfigure.logging.";

	private @Nullable Environment environment;

	/** Whether tracing is on: an OTLP endpoint is configured. */
	public static boolean isOn(Environment environment) {
		return StringUtils.hasText(environment.getProperty(ENDPOINT));
	}

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public boolean[] match(@Nullable String[] autoConfigurationClasses,
			AutoConfigurationMetadata autoConfigurationMetadata) {
		boolean on = this.environment != null && isOn(this.environment);
		boolean[] matches = new boolean[autoConfigurationClasses.length];
		for (int i = 0; i < autoConfigurationClasses.length; i++) {
			String candidate = autoConfigurationClasses[i];
			matches[i] = candidate == null || !(candidate.startsWith(LOG_EXPORT) || (!on && isTracing(candidate)));
		}
		return matches;
	}

	private static boolean isTracing(String autoConfigurationClass) {
		for (String prefix : TRACING) {
			if (autoConfigurationClass.startsWith(prefix)) {
				return true;
			}
		}
		return false;
	}

	/** The condition of beans that exist only while tracing is on. */
	public static final class On implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return isOn(context.getEnvironment());
		}

	}

}

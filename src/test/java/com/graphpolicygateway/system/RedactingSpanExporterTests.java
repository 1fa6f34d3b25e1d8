package com.graphpolicygateway.system;

import java.util.List;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exported spans keep an exception's type but neither its message nor its stack trace
 * (where a cause may quote the request body), nor an error status's description.
 */
class RedactingSpanExporterTests {

	final InMemorySpanExporter exported = InMemorySpanExporter.create();

	final SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
		.addSpanProcessor(SimpleSpanProcessor.create(new RedactingSpanExporter(this.exported)))
		.build();

	@AfterEach
	void shutdown() {
		this.tracerProvider.close();
	}

	@Test
	void exportWhenSpanRecordedAnExceptionThenOnlyItsTypeAndTheErrorCode() {
		Span span = this.tracerProvider.get("test").spanBuilder("http patch").startSpan();
		IllegalStateException failure = new IllegalStateException("Failed to read the request",
				new IllegalArgumentException("Unrecognized token 'body-value-3f9a'"));
		span.recordException(failure);
		span.setStatus(StatusCode.ERROR, failure.getMessage());
		span.setAttribute("http.method", "PATCH");
		span.addEvent("retried");
		span.end();

		SpanData data = onlySpan();
		assertThat(data.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
		assertThat(data.getStatus().getDescription()).isEmpty();
		assertThat(data.getAttributes().get(AttributeKey.stringKey("http.method"))).isEqualTo("PATCH");
		assertThat(data.getEvents()).extracting(EventData::getName).containsExactly("exception", "retried");
		assertThat(data.getEvents().get(0).getAttributes().asMap()).hasSize(1)
			.containsEntry(AttributeKey.stringKey("exception.type"), IllegalStateException.class.getName());
		assertThat(data.toString()).doesNotContain("body-value-3f9a").doesNotContain("Failed to read");
	}

	@Test
	void exportWhenSpanHasNoExceptionThenUnchanged() {
		Span span = this.tracerProvider.get("test").spanBuilder("policy decision").startSpan();
		span.setAttribute("graph_gateway.decision", "allow");
		span.addEvent("decided");
		span.end();

		SpanData data = onlySpan();
		assertThat(data.getAttributes().get(AttributeKey.stringKey("graph_gateway.decision"))).isEqualTo("allow");
		assertThat(data.getEvents()).extracting(EventData::getName).containsExactly("decided");
		assertThat(data.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
	}

	private SpanData onlySpan() {
		List<SpanData> spans = this.exported.getFinishedSpanItems();
		assertThat(spans).hasSize(1);
		return spans.get(0);
	}

}

package com.graphpolicygateway.system;

import java.util.Collection;
import java.util.List;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Exports spans without what their exceptions say: an {@code exception} event keeps its
 * {@code exception.type} but not its message or stack trace, and an error status its code
 * but not its description (the message again). An exception may quote what the caller
 * sent (a parser quotes the body it could not read, in a cause deep in the stack trace),
 * and Spring records the exceptions it handled on the request's span: nothing that leaves
 * the gateway may hold a body value or a token. Every exporter is wrapped
 * ({@code TracingConfiguration}), so that this holds for every span, the gateway's own,
 * Spring's and Spring Cloud Gateway's.
 */
final class RedactingSpanExporter implements SpanExporter {

	private static final String EXCEPTION_EVENT = "exception";

	private static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");

	private final SpanExporter delegate;

	RedactingSpanExporter(SpanExporter delegate) {
		this.delegate = delegate;
	}

	@Override
	public CompletableResultCode export(Collection<SpanData> spans) {
		return this.delegate.export(spans.stream().map(RedactingSpanExporter::redacted).toList());
	}

	@Override
	public CompletableResultCode flush() {
		return this.delegate.flush();
	}

	@Override
	public CompletableResultCode shutdown() {
		return this.delegate.shutdown();
	}

	@Override
	public void close() {
		this.delegate.close();
	}

	@Override
	public String toString() {
		return "RedactingSpanExporter{" + this.delegate + "}";
	}

	private static SpanData redacted(SpanData span) {
		boolean described = !span.getStatus().getDescription().isEmpty();
		boolean excepted = span.getEvents().stream().anyMatch((event) -> EXCEPTION_EVENT.equals(event.getName()));
		return (described || excepted) ? new Redacted(span) : span;
	}

	private static final class Redacted extends DelegatingSpanData {

		private final List<EventData> events;

		private final StatusData status;

		Redacted(SpanData span) {
			super(span);
			this.events = span.getEvents().stream().map(Redacted::withoutMessage).toList();
			this.status = span.getStatus().getDescription().isEmpty() ? span.getStatus()
					: StatusData.create(span.getStatus().getStatusCode(), "");
		}

		private static EventData withoutMessage(EventData event) {
			if (!EXCEPTION_EVENT.equals(event.getName())) {
				return event;
			}
			String type = event.getAttributes().get(EXCEPTION_TYPE);
			Attributes kept = (type != null) ? Attributes.of(EXCEPTION_TYPE, type) : Attributes.empty();
			return EventData.create(event.getEpochNanos(), event.getName(), kept);
		}

		@Override
		public List<EventData> getEvents() {
			return this.events;
		}

		@Override
		public StatusData getStatus() {
			return this.status;
		}

	}

}

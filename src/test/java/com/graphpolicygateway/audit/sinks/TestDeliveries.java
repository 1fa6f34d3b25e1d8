package com.graphpolicygateway.audit.sinks;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import com.graphpolicygateway.audit.query.AuditFeed;
import com.graphpolicygateway.system.AuditSinkProperties;
import com.graphpolicygateway.test.AuditDatabases;

/** Deliveries of test sinks on a test database, one owner (replica) each. */
final class TestDeliveries {

	static final JsonMapper JSON = JsonMapper.builder().build();

	private TestDeliveries() {
	}

	/**
	 * Sink settings: batches of {@code batchSize}, polled every 50 ms, backoff up to 1 s.
	 */
	static AuditSinkProperties properties(int batchSize) {
		return new AuditSinkProperties(AuditSinkProperties.Type.WEBHOOK, batchSize, Duration.ofMillis(50),
				Duration.ofSeconds(1), null, null, new AuditSinkProperties.Webhook(URI.create("http://127.0.0.1:1/"),
						AuditSinkProperties.Format.JSON, "Authorization", null, null, Duration.ofSeconds(5)));
	}

	/** A delivery of {@code sink} named {@code name} for a new replica. */
	static AuditSinkDelivery delivery(AuditDatabases.Database database, String name, AuditSink sink, int batchSize,
			Duration leaseDuration, MeterRegistry meters) {
		return new AuditSinkDelivery(name, properties(batchSize), sink, new AuditFeed(database.jdbc()),
				new SinkCursors(database.jdbc()),
				new SinkLease(database.jdbc(), name, UUID.randomUUID().toString(), leaseDuration), JSON,
				Clock.systemUTC(), meters);
	}

}

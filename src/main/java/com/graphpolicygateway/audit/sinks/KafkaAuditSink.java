package com.graphpolicygateway.audit.sinks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.ProducerListener;
import org.springframework.kafka.support.SendResult;
import org.springframework.util.Assert;

/**
 * Sends records to a Kafka topic through Spring for Apache Kafka, with a producer made
 * from Spring Boot's ({@code spring.kafka.*}: servers, TLS, SASL) but always idempotent
 * and acknowledged by all in-sync replicas. The value is the record's JSON, the header
 * {@code recordType} says what it is, and the key is the event's tenant id
 * ({@value #NO_TENANT} for events without one, such as refused calls without a valid
 * token, so that they too keep their order in one partition) or, for a checkpoint, its
 * chain id. A batch counts as delivered once the broker acknowledged every record.
 */
final class KafkaAuditSink implements AuditSink {

	/** The key of events without a tenant. */
	static final String NO_TENANT = "unknown";

	private final String topic;

	private final ProducerFactory<String, String> producers;

	private final KafkaTemplate<String, String> template;

	private final Duration acknowledgementTimeout;

	/**
	 * @param boot Spring Boot's producer factory, whose configuration is copied
	 */
	@SuppressWarnings("unchecked")
	KafkaAuditSink(String sink, String topic, ProducerFactory<?, ?> boot) {
		Assert.hasText(topic, "topic cannot be empty");
		Assert.notNull(boot, "boot cannot be null");
		if (boot.transactionCapable()) {
			throw new IllegalStateException("Kafka audit sink '" + sink + "' needs a non-transactional producer: "
					+ "unset spring.kafka.producer.transaction-id-prefix");
		}
		Map<String, Object> overrides = new HashMap<>();
		overrides.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		overrides.put(ProducerConfig.ACKS_CONFIG, "all");
		overrides.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		overrides.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		overrides.put(ProducerConfig.CLIENT_ID_CONFIG, "graph-gateway-audit-" + sink);
		this.topic = topic;
		this.producers = ((ProducerFactory<String, String>) boot).copyWithConfigurationOverride(overrides);
		if (this.producers instanceof DefaultKafkaProducerFactory<String, String> factory) {
			// A stopping gateway waits this long at most for sends to a broker that is
			// gone.
			factory.setPhysicalCloseTimeout(5);
		}
		this.template = new KafkaTemplate<>(this.producers);
		// Its default listener would log the records (request bodies) of failed sends.
		this.template.setProducerListener(new ProducerListener<>() {
		});
		Map<String, Object> config = this.producers.getConfigurationProperties();
		// Past the producer's own limits (blocking for metadata, then delivering) a
		// send has failed anyway.
		this.acknowledgementTimeout = Duration.ofMillis(millis(config, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000)
				+ millis(config, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000) + 5_000);
	}

	private static long millis(Map<String, Object> config, String key, long otherwise) {
		Object value = config.get(key);
		return (value != null) ? Long.parseLong(value.toString()) : otherwise;
	}

	@Override
	public void deliver(List<SinkRecord> records) throws Exception {
		List<CompletableFuture<SendResult<String, String>>> sends = new ArrayList<>(records.size());
		try {
			for (SinkRecord record : records) {
				ProducerRecord<String, String> message = new ProducerRecord<>(this.topic, null, key(record),
						record.json());
				message.headers()
					.add(new RecordHeader("recordType", record.type().getBytes(StandardCharsets.US_ASCII)));
				sends.add(this.template.send(message));
			}
			this.template.flush();
			CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
				.get(this.acknowledgementTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			// A fresh producer for the next attempt: an idempotent one that failed may be
			// left in a state it cannot send from.
			this.producers.reset();
			throw (ex.getCause() instanceof Exception cause) ? cause : ex;
		}
		catch (TimeoutException | RuntimeException ex) {
			this.producers.reset();
			throw ex;
		}
	}

	static String key(SinkRecord record) {
		if (record.event() == null) {
			return record.chainId();
		}
		String tenant = record.tenantId();
		return (tenant != null) ? tenant : NO_TENANT;
	}

	@Override
	public void close() {
		this.producers.reset();
	}

}

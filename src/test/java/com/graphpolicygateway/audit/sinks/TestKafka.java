package com.graphpolicygateway.audit.sinks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import kafka.server.BrokerServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import com.graphpolicygateway.test.GatewayProcess;

/**
 * A real Kafka broker (KRaft, Spring for Apache Kafka's embedded broker) in the test JVM
 * on a fixed loopback port, which can be stopped and started again with its data, and a
 * real consumer that reads a topic from the start.
 */
final class TestKafka implements AutoCloseable {

	private final EmbeddedKafkaKraftBroker broker;

	private TestKafka(EmbeddedKafkaKraftBroker broker) {
		this.broker = broker;
	}

	/** A broker with one single-partition topic per name. */
	static TestKafka start(String... topics) {
		try {
			EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1, topics);
			broker.kafkaPorts(GatewayProcess.freePort());
			broker.afterPropertiesSet();
			return new TestKafka(broker);
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	String bootstrapServers() {
		return this.broker.getBrokersAsString();
	}

	/** Producer settings that give up within seconds, so that tests see failures soon. */
	static List<String> impatientProducer() {
		String prefix = "spring.kafka.producer.properties.";
		return List.of(prefix + "max.block.ms=2000", prefix + "request.timeout.ms=1000",
				prefix + "delivery.timeout.ms=3000", prefix + "reconnect.backoff.max.ms=500");
	}

	/** Stops the broker; its data stays. */
	void stopBroker() {
		this.broker.getCluster().brokers().values().forEach(BrokerServer::shutdown);
		this.broker.getCluster().brokers().values().forEach(BrokerServer::awaitShutdown);
	}

	/** Starts the stopped broker again, on the same port. */
	void startBroker() {
		this.broker.getCluster().brokers().values().forEach(BrokerServer::startup);
	}

	/** Every record of a topic so far, in partition order. */
	List<ConsumerRecord<String, String>> readAll(String topic) {
		Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
				ConsumerConfig.GROUP_ID_CONFIG, UUID.randomUUID().toString(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
				"earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
				ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
				ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		List<ConsumerRecord<String, String>> records = new ArrayList<>();
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
			consumer.subscribe(List.of(topic));
			int emptyPolls = 0;
			// Until the assignment is made and two polls in a row bring nothing more.
			while (emptyPolls < 2 || consumer.assignment().isEmpty()) {
				int before = records.size();
				consumer.poll(Duration.ofMillis(500)).forEach(records::add);
				emptyPolls = (records.size() == before) ? emptyPolls + 1 : 0;
				if (emptyPolls > 40) {
					break;
				}
			}
		}
		return records;
	}

	@Override
	public void close() {
		this.broker.destroy();
	}

}

package com.graphpolicygateway.audit.sinks;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.ProducerFactory;

import com.graphpolicygateway.audit.query.AuditFeed;
import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.system.AuditSinkProperties;
import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * The audit sinks ({@code graph-gateway.audit.sinks.*}), only when at least one is
 * configured: one delivery per sink, their lifecycle and leases, and the
 * {@code auditSinks} health contributor.
 */
@Configuration(proxyBeanMethods = false)
@Profile("!" + GatewayProfiles.BARE)
@Conditional(AuditSinksConfiguration.SinksConfigured.class)
class AuditSinksConfiguration {

	/**
	 * How long a replica's claim on a sink lasts unless renewed: how long the sink waits
	 * when the replica delivering it dies.
	 */
	static final Duration LEASE_DURATION = Duration.ofSeconds(10);

	@Bean
	AuditFeed auditFeed(JdbcTemplate jdbc) {
		return new AuditFeed(jdbc);
	}

	@Bean
	AuditSinks auditSinks(GraphGatewayProperties properties, AuditFeed feed, JdbcTemplate jdbc, JsonMapper json,
			Clock clock, MeterRegistry meters, ObjectProvider<SslBundles> sslBundles,
			ObjectProvider<ProducerFactory<?, ?>> kafka) {
		// One owner per gateway process: its leases are told apart from other replicas'.
		String owner = UUID.randomUUID().toString();
		SinkCursors cursors = new SinkCursors(jdbc);
		List<AuditSinkDelivery> deliveries = new ArrayList<>();
		properties.audit().sinks().forEach((name, sink) -> {
			AuditSink target = sink(name, sink, sslBundles, kafka);
			deliveries.add(new AuditSinkDelivery(name, sink, target, feed, cursors,
					new SinkLease(jdbc, name, owner, LEASE_DURATION), json, clock, meters));
		});
		return new AuditSinks(deliveries, LEASE_DURATION);
	}

	@Bean
	AuditSinksHealthIndicator auditSinksHealthIndicator(AuditSinks sinks) {
		return new AuditSinksHealthIndicator(sinks);
	}

	private static AuditSink sink(String name, AuditSinkProperties sink, ObjectProvider<SslBundles> sslBundles,
			ObjectProvider<ProducerFactory<?, ?>> kafka) {
		return switch (sink.type()) {
			case KAFKA -> new KafkaAuditSink(name, required(sink.kafka()).topic(), kafka.getObject());
			case SYSLOG -> {
				AuditSinkProperties.Syslog syslog = required(sink.syslog());
				yield new SyslogAuditSink(syslog, bundle(syslog.sslBundle(), sslBundles), hostName());
			}
			case WEBHOOK -> {
				AuditSinkProperties.Webhook webhook = required(sink.webhook());
				yield new WebhookAuditSink(webhook, bundle(webhook.sslBundle(), sslBundles));
			}
		};
	}

	private static <T> T required(@Nullable T part) {
		if (part == null) {
			throw new IllegalStateException("validated by AuditSinkProperties");
		}
		return part;
	}

	private static @Nullable SslBundle bundle(@Nullable String name, ObjectProvider<SslBundles> sslBundles) {
		return (name != null) ? sslBundles.getObject().getBundle(name) : null;
	}

	/** The HOSTNAME of syslog messages: the pod's name on Kubernetes. */
	private static String hostName() {
		String hostName = System.getenv("HOSTNAME");
		if (hostName != null && !hostName.isBlank()) {
			return hostName;
		}
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return "-";
		}
	}

	/** Whether any {@code graph-gateway.audit.sinks.*} key is set. */
	static final class SinksConfigured extends SpringBootCondition {

		private static final ConfigurationPropertyName SINKS = ConfigurationPropertyName
			.of("graph-gateway.audit.sinks");

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			for (ConfigurationPropertySource source : ConfigurationPropertySources.get(context.getEnvironment())) {
				if (source.containsDescendantOf(SINKS) == ConfigurationPropertyState.PRESENT) {
					return ConditionOutcome.match("graph-gateway.audit.sinks.* is set");
				}
			}
			return ConditionOutcome.noMatch("no graph-gateway.audit.sinks.* key is set");
		}

	}

}

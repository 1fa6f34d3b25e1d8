package com.graphpolicygateway.system;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.StringUtils;

/**
 * One audit sink ({@code graph-gateway.audit.sinks.<name>.*}): where the audit trail is
 * streamed, at least once and in order per chain, off the request path. The part named by
 * {@code type} says where; the connection of a Kafka sink is Spring Boot's
 * ({@code spring.kafka.*}).
 *
 * @param type {@code kafka}, {@code syslog} or {@code webhook}
 * @param batchSize most events delivered in one batch
 * @param pollInterval how often new events are looked for while the sink is caught up
 * @param maxBackoff longest wait between two attempts of a failing delivery
 * @param kafka the Kafka topic, for {@code type: kafka}
 * @param syslog the syslog receiver, for {@code type: syslog}
 * @param webhook the HTTPS endpoint, for {@code type: webhook}
 */
public record AuditSinkProperties(@NotNull Type type, @DefaultValue("100") int batchSize,
		@NotNull @DefaultValue("1s") Duration pollInterval, @NotNull @DefaultValue("30s") Duration maxBackoff,
		@Nullable Kafka kafka, @Nullable Syslog syslog, @Nullable Webhook webhook) {

	/** Checks the sink's settings as a whole; {@code key} is its prefix in messages. */
	void validate(String key) {
		if (this.batchSize < 1 || this.batchSize > 10_000) {
			throw new IllegalArgumentException(
					key + ".batch-size must be between 1 and 10000, but was " + this.batchSize);
		}
		GraphGatewayProperties.requirePositive(key + ".poll-interval", this.pollInterval);
		GraphGatewayProperties.requirePositive(key + ".max-backoff", this.maxBackoff);
		Object part = switch (this.type) {
			case KAFKA -> this.kafka;
			case SYSLOG -> this.syslog;
			case WEBHOOK -> this.webhook;
		};
		String partKey = key + "." + this.type.name().toLowerCase(Locale.ROOT);
		if (part == null) {
			throw new IllegalArgumentException(key + ".type is " + this.type.name().toLowerCase(Locale.ROOT) + ", so "
					+ partKey + ".* must be set");
		}
		int parts = ((this.kafka != null) ? 1 : 0) + ((this.syslog != null) ? 1 : 0) + ((this.webhook != null) ? 1 : 0);
		if (parts > 1) {
			throw new IllegalArgumentException(key + " may set only " + partKey + ".*, the part its type names");
		}
		if (this.syslog != null) {
			this.syslog.validate(partKey);
		}
		if (this.webhook != null) {
			this.webhook.validate(partKey);
		}
	}

	/** Where a sink delivers. */
	public enum Type {

		/** A Kafka topic, through Spring for Apache Kafka. */
		KAFKA,

		/**
		 * A syslog receiver: RFC 5424 over TCP (RFC 6587 octet counting), or TLS (RFC
		 * 5425).
		 */
		SYSLOG,

		/**
		 * An HTTPS endpoint that takes JSON batches (Splunk's HTTP Event Collector, ...).
		 */
		WEBHOOK

	}

	/**
	 * A Kafka sink: the event as the audit API shows it, as JSON, keyed by tenant id.
	 *
	 * @param topic the topic
	 */
	public record Kafka(@NotNull String topic) {

		public Kafka {
			if (!StringUtils.hasText(topic)) {
				throw new IllegalArgumentException("A Kafka audit sink needs its topic (kafka.topic)");
			}
		}

	}

	/**
	 * A syslog sink: RFC 5424 messages over TCP, framed by octet counting (RFC 6587),
	 * optionally over TLS (RFC 5425).
	 *
	 * @param host the receiver's host
	 * @param port the receiver's port; by default 6514 with TLS, 514 without
	 * @param tls connect with TLS
	 * @param sslBundle the Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) that
	 * trusts the receiver; the JVM's trust store when none
	 * @param facility the syslog facility (0–23; 13 is "log audit")
	 * @param appName the APP-NAME of each message
	 * @param enterpriseNumber the private enterprise number of the structured data's
	 * SD-ID ({@code audit@<number>}); 32473 is the one RFC 5612 reserves for
	 * documentation
	 * @param connectTimeout how long connecting may take
	 */
	public record Syslog(@NotNull String host, @Nullable Integer port, @DefaultValue("false") boolean tls,
			@Nullable String sslBundle, @DefaultValue("13") int facility,
			@DefaultValue("graph-policy-gateway") String appName, @DefaultValue("32473") int enterpriseNumber,
			@NotNull @DefaultValue("5s") Duration connectTimeout) {

		/** The port to connect to. */
		public int effectivePort() {
			return (this.port != null) ? this.port : (this.tls ? 6514 : 514);
		}

		void validate(String key) {
			if (!StringUtils.hasText(this.host)) {
				throw new IllegalArgumentException(key + ".host must be set");
			}
			if (this.port != null && (this.port < 1 || this.port > 65535)) {
				throw new IllegalArgumentException(key + ".port must be between 1 and 65535, but was " + this.port);
			}
			if (this.facility < 0 || this.facility > 23) {
				throw new IllegalArgumentException(
						key + ".facility must be between 0 and 23, but was " + this.facility);
			}
			if (!this.appName.matches("[\\x21-\\x7e]{1,48}")) {
				throw new IllegalArgumentException(
						key + ".app-name must be 1 to 48 printable ASCII characters without spaces (RFC 5424)");
			}
			if (this.enterpriseNumber < 1) {
				throw new IllegalArgumentException(
						key + ".enterprise-number must be positive, but was " + this.enterpriseNumber);
			}
			if (this.sslBundle != null && !this.tls) {
				throw new IllegalArgumentException(key + ".ssl-bundle is set but " + key + ".tls is false");
			}
			GraphGatewayProperties.requirePositive(key + ".connect-timeout", this.connectTimeout);
		}

	}

	/**
	 * A webhook sink: JSON batches posted to an HTTPS endpoint (http only on loopback).
	 *
	 * @param url the endpoint
	 * @param format {@code json} (a JSON array of records) or {@code splunk-hec} (Splunk
	 * HTTP Event Collector events, one after the other)
	 * @param headerName the header that authenticates the gateway ({@code Authorization}
	 * by default when a value is set)
	 * @param headerValue its value (a secret: never logged); for Splunk
	 * {@code Splunk <HEC token>}
	 * @param sslBundle the Spring Boot SSL bundle that trusts the endpoint; the JVM's
	 * trust store when none
	 * @param timeout how long one post may take
	 */
	public record Webhook(@NotNull URI url, @NotNull @DefaultValue("json") Format format,
			@DefaultValue("Authorization") String headerName, @Nullable String headerValue, @Nullable String sslBundle,
			@NotNull @DefaultValue("10s") Duration timeout) {

		void validate(String key) {
			GraphGatewayProperties.requireHttpsUnlessLoopback(key + ".url", this.url);
			GraphGatewayProperties.requirePositive(key + ".timeout", this.timeout);
			if (!this.headerName.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
				throw new IllegalArgumentException(key + ".header-name is not a valid HTTP header name");
			}
			if (this.headerValue != null && this.headerValue.chars().anyMatch((c) -> c < 0x20 || c == 0x7f)) {
				throw new IllegalArgumentException(key + ".header-value must not hold control characters");
			}
		}

		@Override
		public String toString() {
			// The header value is a secret: never in a log line through this record.
			return "Webhook[url=" + this.url + ", format=" + this.format + ", headerName=" + this.headerName
					+ ", headerValue=" + ((this.headerValue != null) ? "[hidden]" : "none") + ", sslBundle="
					+ this.sslBundle + ", timeout=" + this.timeout + "]";
		}

	}

	/** How a webhook sink shapes its batches. */
	public enum Format {

		/** A JSON array of records. */
		JSON,

		/** Splunk HTTP Event Collector: {@code {"time":...,"event":{...}}} objects. */
		SPLUNK_HEC

	}

}

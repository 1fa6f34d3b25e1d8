package com.graphpolicygateway.system;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link AuditSinkProperties} bound with a plain {@link Binder} under
 * {@code graph-gateway.audit.sinks.*}: each type's part, defaults, and clear messages for
 * bad values; the webhook's header value never shows in {@code toString}.
 */
class AuditSinkPropertiesTests {

	private static final String SINKS = "graph-gateway.audit.sinks.";

	@Test
	void bindWhenNoSinkThenNone() {
		assertThat(bind(Map.of()).audit().sinks()).isEmpty();
	}

	@Test
	void bindWhenKafkaSinkThenTopicAndDefaults() {
		AuditSinkProperties sink = sink(Map.of(SINKS + "siem.type", "kafka", SINKS + "siem.kafka.topic", "audit"),
				"siem");

		assertThat(sink.type()).isEqualTo(AuditSinkProperties.Type.KAFKA);
		assertThat(sink.kafka().topic()).isEqualTo("audit");
		assertThat(sink.batchSize()).isEqualTo(100);
		assertThat(sink.pollInterval()).isEqualTo(Duration.ofSeconds(1));
		assertThat(sink.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void bindWhenSyslogSinkThenTlsPortAndDefaults() {
		AuditSinkProperties sink = sink(
				Map.of(SINKS + "syslog.type", "syslog", SINKS + "syslog.syslog.host", "siem.contoso.example",
						SINKS + "syslog.syslog.tls", "true", SINKS + "syslog.syslog.ssl-bundle", "siem"),
				"syslog");

		assertThat(sink.syslog().effectivePort()).isEqualTo(6514);
		assertThat(sink.syslog().sslBundle()).isEqualTo("siem");
		assertThat(sink.syslog().facility()).isEqualTo(13);
		assertThat(sink.syslog().appName()).isEqualTo("graph-policy-gateway");
		assertThat(sink.syslog().enterpriseNumber()).isEqualTo(32473);
	}

	@Test
	void bindWhenSplunkWebhookThenFormatAndAHiddenHeaderValue() {
		AuditSinkProperties sink = sink(Map.of(SINKS + "splunk.type", "webhook", SINKS + "splunk.webhook.url",
				"https://splunk.contoso.example:8088/services/collector/event", SINKS + "splunk.webhook.format",
				"splunk-hec", SINKS + "splunk.webhook.header-value", "Splunk 0c8f1a2b-secret"), "splunk");

		assertThat(sink.webhook().url())
			.isEqualTo(URI.create("https://splunk.contoso.example:8088/services/collector/event"));
		assertThat(sink.webhook().format()).isEqualTo(AuditSinkProperties.Format.SPLUNK_HEC);
		assertThat(sink.webhook().headerName()).isEqualTo("Authorization");
		assertThat(sink.webhook().headerValue()).isEqualTo("Splunk 0c8f1a2b-secret");
		assertThat(sink.toString()).doesNotContain("0c8f1a2b-secret").contains("headerValue=[hidden]");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			textBlock = """
					kafka   |                                                      | graph-gateway.audit.sinks.s.type is kafka, so graph-gateway.audit.sinks.s.kafka.* must be set
					syslog  | syslog.port=70000                                    | graph-gateway.audit.sinks.s.syslog.host must be set
					webhook | webhook.url=http://siem.contoso.example/             | must use https (http is allowed only for loopback addresses)
					webhook | webhook.url=https://siem.contoso.example/;batch-size=0 | graph-gateway.audit.sinks.s.batch-size must be between 1 and 10000, but was 0
					webhook | webhook.url=https://siem.contoso.example/;max-backoff=0s | graph-gateway.audit.sinks.s.max-backoff must be a positive duration
					webhook | webhook.url=https://siem.contoso.example/;webhook.header-name=Bad Name | header-name is not a valid HTTP header name
					syslog  | syslog.host=siem;syslog.port=0                       | graph-gateway.audit.sinks.s.syslog.port must be between 1 and 65535, but was 0
					syslog  | syslog.host=siem;syslog.facility=24                  | graph-gateway.audit.sinks.s.syslog.facility must be between 0 and 23, but was 24
					syslog  | syslog.host=siem;syslog.ssl-bundle=siem               | graph-gateway.audit.sinks.s.syslog.ssl-bundle is set but graph-gateway.audit.sinks.s.syslog.tls is false
					syslog  | syslog.host=siem;syslog.app-name=graph gateway        | app-name must be 1 to 48 printable ASCII characters
					syslog  | syslog.host=siem;kafka.topic=audit                    | graph-gateway.audit.sinks.s may set only graph-gateway.audit.sinks.s.syslog.*
					""")
	void bindWhenBadValueThenMessageNamesTheKey(String type, String settings, String message) {
		Map<String, String> properties = new HashMap<>();
		properties.put(SINKS + "s.type", type);
		if (settings != null) {
			for (String setting : settings.split(";")) {
				String[] pair = setting.split("=", 2);
				properties.put(SINKS + "s." + pair[0], pair[1]);
			}
		}
		assertRefused(properties, message);
	}

	@Test
	void bindWhenKafkaTopicEmptyThenRefused() {
		assertRefused(Map.of(SINKS + "s.type", "kafka", SINKS + "s.kafka.topic", ""),
				"A Kafka audit sink needs its topic (kafka.topic)");
	}

	@Test
	void bindWhenSinkNameNotALabelThenRefused() {
		assertRefused(Map.of(SINKS + "Big_Name.type", "kafka", SINKS + "Big_Name.kafka.topic", "audit"),
				"a sink's name must be 1 to 63 lower-case letters, digits and dashes");
	}

	@Test
	void bindWhenHeaderValueHoldsAControlCharacterThenRefusedWithoutShowingIt() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of(SINKS + "s.type", "webhook", SINKS + "s.webhook.url",
					"https://siem.contoso.example/", SINKS + "s.webhook.header-value", "secret\u0007value")))
			.havingRootCause()
			.withMessageContaining("header-value must not hold control characters")
			.withMessageNotContaining("secret");
	}

	private static AuditSinkProperties sink(Map<String, String> properties, String name) {
		return bind(properties).audit().sinks().get(name);
	}

	private static GraphGatewayProperties bind(Map<String, String> properties) {
		return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("graph-gateway",
				GraphGatewayProperties.class);
	}

	private static void assertRefused(Map<String, String> properties, String message) {
		assertThatExceptionOfType(BindException.class).isThrownBy(() -> bind(properties))
			.havingRootCause()
			.isInstanceOf(IllegalArgumentException.class)
			.withMessageContaining(message);
	}

}

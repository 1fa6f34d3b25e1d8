package com.graphpolicygateway.audit.sinks;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.util.Assert;

import com.graphpolicygateway.system.AuditSinkProperties;

/**
 * Posts batches to an HTTPS endpoint with the JDK's HTTP client: a JSON array of records,
 * or Splunk HTTP Event Collector events one after the other. Any 2xx answer acknowledges
 * the batch; anything else is retried. The configured header (a secret) is sent with each
 * post and never logged.
 */
final class WebhookAuditSink implements AuditSink {

	/** The Splunk source type of the records. */
	static final String SPLUNK_SOURCE_TYPE = "graph-policy-gateway:audit";

	private final URI url;

	private final AuditSinkProperties.Format format;

	private final @Nullable String headerName;

	private final @Nullable String headerValue;

	private final Duration timeout;

	private final HttpClient http;

	WebhookAuditSink(AuditSinkProperties.Webhook webhook, @Nullable SslBundle sslBundle) {
		Assert.notNull(webhook, "webhook cannot be null");
		this.url = webhook.url();
		this.format = webhook.format();
		this.headerValue = webhook.headerValue();
		this.headerName = (this.headerValue != null) ? webhook.headerName() : null;
		this.timeout = webhook.timeout();
		HttpClient.Builder builder = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(this.timeout)
			.followRedirects(HttpClient.Redirect.NEVER);
		if (sslBundle != null) {
			SSLContext context = sslBundle.createSslContext();
			SSLParameters parameters = context.getDefaultSSLParameters();
			String[] protocols = sslBundle.getOptions().getEnabledProtocols();
			String[] ciphers = sslBundle.getOptions().getCiphers();
			if (protocols != null) {
				parameters.setProtocols(protocols);
			}
			if (ciphers != null) {
				parameters.setCipherSuites(ciphers);
			}
			builder.sslContext(context).sslParameters(parameters);
		}
		this.http = builder.build();
		// The JDK refuses some header names (Host, Connection, ...): say so at start-up.
		request(new byte[0]);
	}

	@Override
	public void deliver(List<SinkRecord> records) throws IOException, InterruptedException {
		byte[] body = body(records, this.format).getBytes(StandardCharsets.UTF_8);
		HttpResponse<Void> response = this.http.send(request(body), HttpResponse.BodyHandlers.discarding());
		if (response.statusCode() / 100 != 2) {
			throw new IOException("The webhook answered HTTP " + response.statusCode());
		}
	}

	private HttpRequest request(byte[] body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(this.url)
			.timeout(this.timeout)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofByteArray(body));
		if (this.headerName != null && this.headerValue != null) {
			try {
				request.header(this.headerName, this.headerValue);
			}
			catch (IllegalArgumentException ex) {
				// Never the value in the message: it is a secret.
				throw new IllegalArgumentException(
						"The webhook's header-name " + this.headerName + " cannot be sent by the HTTP client");
			}
		}
		return request.build();
	}

	/** A batch's body in the configured format. */
	static String body(List<SinkRecord> records, AuditSinkProperties.Format format) {
		StringBuilder body = new StringBuilder();
		if (format == AuditSinkProperties.Format.SPLUNK_HEC) {
			for (SinkRecord record : records) {
				// Splunk's "time": epoch seconds with milliseconds.
				BigDecimal time = BigDecimal.valueOf(record.time().toEpochMilli()).movePointLeft(3);
				body.append("{\"time\":")
					.append(time.toPlainString())
					.append(",\"sourcetype\":\"")
					.append(SPLUNK_SOURCE_TYPE)
					.append("\",\"event\":")
					.append(record.json())
					.append("}\n");
			}
			return body.toString();
		}
		body.append('[');
		for (int i = 0; i < records.size(); i++) {
			body.append((i > 0) ? "," : "").append(records.get(i).json());
		}
		return body.append(']').toString();
	}

	@Override
	public void close() {
		// The client's connections close once idle; nothing is held between posts.
	}

}

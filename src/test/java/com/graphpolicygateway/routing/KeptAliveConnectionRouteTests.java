package com.graphpolicygateway.routing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.RawReply;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A kept-alive connection goes on being read after a request that arrived while the
 * previous one was still in progress. Browsers and HTTP clients send the next request (a
 * redirect followed, the sign-in callback) as soon as they have an answer, which can be
 * before the gateway has finished with the request. With Reactor Netty 1.3.6, when such a
 * request was answered at once, the connection was never read again, and the next request
 * on it waited until the client gave up (reactor/reactor-netty#4361, fixed in 1.3.8).
 */
class KeptAliveConnectionRouteTests extends GatewayIntegrationTest {

	private static final int ROUNDS = 20;

	private static final String USER = "/users/adele.vance@contoso.example";

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "/audit, 302", "/audit/page/assets/audit.css, 200", USER + ", 405" })
	void aRequestQueuedBehindOneInProgressLeavesTheConnectionReadable(String path, int status) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(5_000);
			OutputStream out = socket.getOutputStream();
			InputStream in = new BufferedInputStream(socket.getInputStream());
			for (int round = 0; round < ROUNDS; round++) {
				// The PATCH is forwarded to Graph and so still in progress when the GET
				// behind it arrives.
				send(out, patch() + get(path));
				assertThat(RawReply.read(in).status()).as("PATCH in progress").isEqualTo(204);
				assertThat(RawReply.read(in).status()).as("request queued behind it").isEqualTo(status);
				send(out, get(path));
				assertThat(RawReply.read(in).status()).as("next request, round %d", round).isEqualTo(status);
			}
		}
	}

	private static void send(OutputStream out, String requests) throws IOException {
		out.write(requests.getBytes(StandardCharsets.US_ASCII));
		out.flush();
	}

	private String patch() {
		String body = "{\"displayName\":\"Adele Vance\"}";
		return "PATCH " + USER + " HTTP/1.1\r\n" + host() + "Authorization: Bearer " + identityProvider.validToken()
				+ "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
	}

	private String get(String path) {
		return "GET " + path + " HTTP/1.1\r\n" + host() + "Accept: text/html\r\n\r\n";
	}

	private String host() {
		return "Host: 127.0.0.1:" + this.port + "\r\n";
	}

}

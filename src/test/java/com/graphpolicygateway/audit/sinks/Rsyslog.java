package com.graphpolicygateway.audit.sinks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import com.graphpolicygateway.test.GatewayProcess;

import static org.awaitility.Awaitility.await;

/**
 * Debian's rsyslogd started by a test on a free loopback port, over plain TCP or TLS (the
 * gtls driver of rsyslog-gnutls, with a certificate the test makes with the JDK's
 * keytool), writing each message it receives as one line of a file: PRI, timestamp, host,
 * app, procid, msgid, structured data and message, separated by {@code |}. Without
 * rsyslogd the test is skipped, or fails when {@code CI=true}.
 */
final class Rsyslog implements AutoCloseable {

	static final Path RSYSLOGD = Path.of("/usr/sbin/rsyslogd");

	private static final Path GTLS = Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so");

	private final Process process;

	private final int port;

	private final Path output;

	private final String certificate;

	private Rsyslog(Process process, int port, Path output, String certificate) {
		this.process = process;
		this.port = port;
		this.output = output;
		this.certificate = certificate;
	}

	/** Starts rsyslogd in {@code directory}, with TLS when {@code tls}. */
	static Rsyslog start(Path directory, boolean tls) throws Exception {
		requireInstalled(tls);
		int port = GatewayProcess.freePort();
		Path output = directory.resolve("received.log");
		String certificate = "";
		StringBuilder conf = new StringBuilder();
		conf.append("global(workDirectory=\"").append(directory).append("\" maxMessageSize=\"64k\"");
		if (tls) {
			certificate = certificate(directory);
			conf.append(" defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\"")
				.append(directory.resolve("cert.pem"))
				.append("\" defaultNetstreamDriverCertFile=\"")
				.append(directory.resolve("cert.pem"))
				.append("\" defaultNetstreamDriverKeyFile=\"")
				.append(directory.resolve("key.pem"))
				.append('"');
		}
		conf.append(")\n");
		conf.append(tls ? "module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" "
				+ "streamDriver.authMode=\"anon\")\n" : "module(load=\"imtcp\")\n");
		conf.append("template(name=\"fields\" type=\"string\" string=\"%PRI%|%TIMESTAMP:::date-rfc3339%|%HOSTNAME%|"
				+ "%APP-NAME%|%PROCID%|%MSGID%|%STRUCTURED-DATA%|%msg%\\n\")\n");
		conf.append("input(type=\"imtcp\" address=\"127.0.0.1\" port=\"").append(port).append("\")\n");
		conf.append("*.* action(type=\"omfile\" file=\"")
			.append(output)
			.append("\" template=\"fields\" flushOnTXEnd=\"on\")\n");
		Path file = directory.resolve("rsyslog.conf");
		Files.writeString(file, conf);
		Process process = new ProcessBuilder(RSYSLOGD.toString(), "-n", "-f", file.toString(), "-i",
				directory.resolve("rsyslogd.pid").toString())
			.redirectErrorStream(true)
			.redirectOutput(directory.resolve("rsyslogd.out").toFile())
			.start();
		Rsyslog rsyslog = new Rsyslog(process, port, output, certificate);
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
			if (!process.isAlive()) {
				throw new IllegalStateException(
						"rsyslogd stopped: " + Files.readString(directory.resolve("rsyslogd.out")));
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
				return true;
			}
			catch (IOException ex) {
				return false;
			}
		});
		return rsyslog;
	}

	private static void requireInstalled(boolean tls) {
		String missing = !Files.isExecutable(RSYSLOGD) ? "rsyslogd (package rsyslog)"
				: (tls && !Files.exists(GTLS)) ? "rsyslog's gtls driver (package rsyslog-gnutls)" : null;
		if (missing == null) {
			return;
		}
		if ("true".equalsIgnoreCase(System.getenv("CI"))) {
			Assertions.fail(missing + " is not installed (CI=true: the syslog sink tests must run in CI)");
		}
		Assumptions.abort(missing + " is not installed");
	}

	/**
	 * A self-signed RSA certificate for 127.0.0.1 made with keytool (GnuTLS reads the
	 * JDK's PKCS#8 encoding of EC keys no better than an ASN.1 error), written as PEM
	 * (cert.pem, key.pem); returns the certificate's PEM.
	 */
	private static String certificate(Path directory) throws Exception {
		Path keyStore = directory.resolve("syslog.p12");
		String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
		Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "syslog", "-keyalg", "RSA", "-keysize",
				"2048", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
				"-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass",
				"changeit")
			.redirectErrorStream(true)
			.start();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IllegalStateException("keytool failed: " + out);
		}
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (var in = Files.newInputStream(keyStore)) {
			store.load(in, "changeit".toCharArray());
		}
		PrivateKey key = (PrivateKey) store.getKey("syslog", "changeit".toCharArray());
		Certificate certificate = store.getCertificate("syslog");
		String certificatePem = pem("CERTIFICATE", certificate.getEncoded());
		Files.writeString(directory.resolve("cert.pem"), certificatePem);
		Files.writeString(directory.resolve("key.pem"), pem("PRIVATE KEY", key.getEncoded()));
		return certificatePem;
	}

	private static String pem(String type, byte[] der) {
		return "-----BEGIN " + type + "-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
				+ "\n-----END " + type + "-----\n";
	}

	int port() {
		return this.port;
	}

	/** The PEM of the server's certificate (TLS only). */
	String certificate() {
		return this.certificate;
	}

	/** The messages received so far, one line each. */
	List<String> lines() throws IOException {
		if (!Files.exists(this.output)) {
			return List.of();
		}
		return Files.readAllLines(this.output, StandardCharsets.UTF_8)
			.stream()
			.filter((line) -> !line.isEmpty())
			.toList();
	}

	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
		}
	}

}

package com.graphpolicygateway;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider.TokenAnswer;
import com.graphpolicygateway.test.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway driven over TLS by the real JavaScript Graph SDK
 * ({@code @microsoft/microsoft-graph-client} 3.x on Node.js): the JavaScript snippet of
 * {@code docs/client-integration.md} runs as written, with the gateway's test address in
 * place of {@code gateway.contoso.example}. The SDK adds the caller's token only over
 * https and only for the hosts of {@code customHosts}, so the gateway serves a
 * self-signed certificate (Spring Boot's {@code server.ssl} PEM properties) that Node
 * trusts through {@code NODE_EXTRA_CA_CERTS}. The packages come from
 * {@code src/test/js/package-lock.json}, installed with {@code npm ci} into the build
 * directory.
 */
@TestPropertySource(properties = "graph-gateway.upstream.auth=on-behalf-of")
class JavaScriptGraphSdkTests extends GatewayIntegrationTest {

	private static final Path SNIPPETS = Path.of("docs/client-integration.md");

	private static final Path SOURCES = Path.of("src/test/js");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final TlsCertificate CERTIFICATE = TlsCertificate.generate();

	private static Path packages;

	@DynamicPropertySource
	static void tls(DynamicPropertyRegistry registry) {
		registry.add("server.ssl.certificate", () -> "file:" + CERTIFICATE.certificateFile());
		registry.add("server.ssl.certificate-private-key", () -> "file:" + CERTIFICATE.keyFile());
	}

	@BeforeAll
	static void installPackages() throws Exception {
		packages = NodePackages.install();
	}

	@AfterEach
	void resetTokenEndpoint() {
		identityProvider.resetTokens();
	}

	@Test
	void snippetWhenPolicyAllowsThenGraphReceivesThePatchWithTheGatewaysUpstreamToken() throws Exception {
		String callerToken = callerToken().build();
		identityProvider.willAnswerToken(TokenAnswer.token("graph-obo-token-for-js", 3600));

		Map<String, Object> outcome = runSnippet(documentedSnippet(), callerToken);

		assertThat(outcome).containsEntry("outcome", "completed");
		StubGraph.Received received = graph.onlyRequest();
		assertThat(received.method()).isEqualTo("PATCH");
		assertThat(received.uri().getPath()).isEqualTo("/v1.0/users/adele.vance@contoso.example");
		assertThat(JSON.readValue(received.body(), new TypeReference<Map<String, Object>>() {
		})).containsExactly(Map.entry("displayName", "Adele Vance"));
		assertThat(received.headers().getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer graph-obo-token-for-js")
			.doesNotContain(callerToken);
		assertThat(identityProvider.tokenRequests()).singleElement()
			.satisfies((request) -> assertThat(request.parameters()).containsEntry("assertion", callerToken));
	}

	@Test
	void snippetWhenTokenLacksPermissionThenGraphErrorAuthorizationRequestDenied() throws Exception {
		Map<String, Object> outcome = runSnippet(documentedSnippet(), callerToken().scopes("User.Read").build());

		assertThat(outcome).containsEntry("outcome", "failed")
			.containsEntry("graphError", true)
			.containsEntry("statusCode", 403)
			.containsEntry("code", "Authorization_RequestDenied");
		assertThat((String) outcome.get("message")).contains("DeviceManagementApps.ReadWrite.All");
		assertThat(graph.received()).isEmpty();
		assertThat(identityProvider.tokenRequests()).isEmpty();
	}

	@Test
	void snippetWhenCustomHostsLeftOutThenSdkSendsNoTokenAndGraphErrorInvalidAuthenticationToken() throws Exception {
		String snippet = documentedSnippet();
		String withoutCustomHosts = snippet.replaceAll("(?m)^.*customHosts:.*\\n", "");
		assertThat(withoutCustomHosts).isNotEqualTo(snippet);

		Map<String, Object> outcome = runSnippet(withoutCustomHosts, callerToken().build());

		assertThat(outcome).containsEntry("outcome", "failed")
			.containsEntry("graphError", true)
			.containsEntry("statusCode", 401)
			.containsEntry("code", "InvalidAuthenticationToken");
		assertThat((String) outcome.get("message")).contains("Access token is empty");
		assertThat(graph.received()).isEmpty();
		assertThat(identityProvider.tokenRequests()).isEmpty();
	}

	/** A caller of its own, so that no earlier test's upstream token is cached for it. */
	private static TestTokens.Builder callerToken() {
		return identityProvider.token().claim("oid", UUID.randomUUID().toString());
	}

	/**
	 * The JavaScript snippet of {@code docs/client-integration.md}, aimed at this
	 * gateway: its https base URL and its host in {@code customHosts}.
	 */
	private String documentedSnippet() throws IOException {
		String page = Files.readString(SNIPPETS, StandardCharsets.UTF_8);
		int section = page.indexOf("## JavaScript (`@microsoft/microsoft-graph-client` 3.x)");
		assertThat(section).as("the JavaScript section of " + SNIPPETS).isNotNegative();
		int start = page.indexOf("```javascript\n", section);
		assertThat(start).as("the JavaScript snippet of " + SNIPPETS).isNotNegative();
		start += "```javascript\n".length();
		String snippet = page.substring(start, page.indexOf("```", start));
		assertThat(snippet).as("the snippet's base URL and custom hosts")
			.contains("baseUrl: \"https://gateway.contoso.example\"")
			.contains("customHosts: new Set([\"gateway.contoso.example\"])")
			.contains("accessTokenForTheGateway");
		return snippet.replace("\"https://gateway.contoso.example\"", "\"https://127.0.0.1:" + this.port + "\"")
			.replace("\"gateway.contoso.example\"", "\"127.0.0.1\"");
	}

	/**
	 * Runs {@code snippet} on Node with {@code token} as its
	 * {@code accessTokenForTheGateway}, trusting the gateway's certificate; returns how
	 * it ended, as {@code src/test/js/run-snippet.mjs} reports it.
	 */
	private static Map<String, Object> runSnippet(String snippet, String token) throws Exception {
		Path module = Files.createTempFile(packages, "snippet-", ".mjs");
		try {
			Files.writeString(module, "const accessTokenForTheGateway = process.env.GATEWAY_TOKEN;\n" + snippet,
					StandardCharsets.UTF_8);
			ProcessBuilder builder = new ProcessBuilder("node", "run-snippet.mjs", module.toString())
				.directory(packages.toFile());
			builder.environment().put("NODE_EXTRA_CA_CERTS", CERTIFICATE.certificateFile().toString());
			builder.environment().put("GATEWAY_TOKEN", token);
			Run run = Run.of(builder, 60);
			assertThat(run.exitCode()).as("node run-snippet.mjs: %s", run.output()).isZero();
			List<String> lines = run.output().lines().filter((line) -> line.startsWith("{")).toList();
			assertThat(lines).as("the outcome line of node run-snippet.mjs: %s", run.output()).hasSize(1);
			return JSON.readValue(lines.get(0), new TypeReference<Map<String, Object>>() {
			});
		}
		finally {
			Files.deleteIfExists(module);
		}
	}

	/** A process run to its end (or killed after its timeout), with its output. */
	private record Run(int exitCode, String output) {

		static Run of(ProcessBuilder builder, long timeoutSeconds) throws IOException, InterruptedException {
			Process process = builder.redirectErrorStream(true).start();
			process.getOutputStream().close();
			// Read on another thread, so that a child filling the pipe cannot outlast the
			// timeout.
			StringBuilder output = new StringBuilder();
			Thread reader = new Thread(() -> {
				try (InputStream in = process.getInputStream()) {
					output.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
				}
				catch (IOException ex) {
					output.append(ex);
				}
			});
			reader.start();
			if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
				reader.join(10_000);
				Assertions.fail(String.join(" ", builder.command()) + " did not end within " + timeoutSeconds + " s: "
						+ output);
			}
			reader.join(10_000);
			return new Run(process.exitValue(), output.toString());
		}

	}

	/**
	 * The packages of {@code src/test/js} installed with {@code npm ci} into the build
	 * directory (again only when the lock file changed), beside the runner.
	 */
	private static final class NodePackages {

		static Path install() throws Exception {
			requireInstalled("node");
			requireInstalled("npm");
			Path directory = buildDirectory().resolve("js-sdk");
			Files.createDirectories(directory);
			Path lock = directory.resolve("package-lock.json");
			boolean current = Files.exists(lock)
					&& Arrays.equals(Files.readAllBytes(lock), Files.readAllBytes(SOURCES.resolve("package-lock.json")))
					&& Files.isDirectory(directory.resolve("node_modules/@microsoft/microsoft-graph-client"));
			for (String file : List.of("package.json", "package-lock.json", "run-snippet.mjs")) {
				Files.copy(SOURCES.resolve(file), directory.resolve(file), StandardCopyOption.REPLACE_EXISTING);
			}
			if (!current) {
				Run run = Run
					.of(new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(directory.toFile()), 300);
				assertThat(run.exitCode()).as("npm ci in %s: %s", directory, run.output()).isZero();
			}
			return directory;
		}

		/** The build's output directory ({@code -Dbuild.dir}), above the test classes. */
		private static Path buildDirectory() throws URISyntaxException {
			return Path.of(JavaScriptGraphSdkTests.class.getProtectionDomain().getCodeSource().getLocation().toURI())
				.getParent();
		}

		private static void requireInstalled(String command) throws InterruptedException {
			try {
				Run run = Run.of(new ProcessBuilder(command, "--version"), 60);
				if (run.exitCode() == 0) {
					return;
				}
			}
			catch (IOException ex) {
				// not on the PATH
			}
			String missing = command + " (Node.js 18 or later) is not installed";
			if ("true".equalsIgnoreCase(System.getenv("CI"))) {
				Assertions.fail(missing + " (CI=true: the JavaScript Graph SDK test must run in CI)");
			}
			Assumptions.abort(missing);
		}

	}

	/**
	 * A self-signed certificate for 127.0.0.1 and localhost and its PKCS#8 key, as PEM
	 * files made with the JDK's keytool.
	 */
	private record TlsCertificate(Path certificateFile, Path keyFile) {

		static TlsCertificate generate() {
			try {
				Path directory = Files.createTempDirectory("gateway-tls");
				Path keyStore = directory.resolve("gateway.p12");
				Run run = Run.of(
						new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
								"-genkeypair", "-alias", "gateway", "-keyalg", "RSA", "-keysize", "2048", "-dname",
								"CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
								"-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "changeit"),
						60);
				assertThat(run.exitCode()).as("keytool: %s", run.output()).isZero();
				KeyStore store = KeyStore.getInstance("PKCS12");
				try (InputStream in = Files.newInputStream(keyStore)) {
					store.load(in, "changeit".toCharArray());
				}
				PrivateKey key = (PrivateKey) store.getKey("gateway", "changeit".toCharArray());
				Path certificateFile = Files.writeString(directory.resolve("gateway.crt"),
						pem("CERTIFICATE", store.getCertificate("gateway").getEncoded()));
				Path keyFile = Files.writeString(directory.resolve("gateway.key"),
						pem("PRIVATE KEY", key.getEncoded()));
				return new TlsCertificate(certificateFile, keyFile);
			}
			catch (IOException | InterruptedException | GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

		private static String pem(String type, byte[] der) {
			return "-----BEGIN " + type + "-----\n"
					+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
					+ "\n-----END " + type + "-----\n";
		}

	}

}

package com.graphpolicygateway.audit.page;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.verify.AuditVerifyCommand;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubbedGateway;
import com.graphpolicygateway.test.TestBrowser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The audit page in headless Chromium shows what a change replaced: for a tenant whose
 * policy captures before-images, a record's changes read old → new, and say that the old
 * values were read from Graph.
 * <p>
 * Names the gateway explicitly: {@link AuditVerifyCommand} declares a
 * {@code @SpringBootConfiguration} of its own in this package.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class BeforeImagePageBrowserTests {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final Path POLICY_FILE = writePolicy();

	static final StubGraph graph = StubGraph.start();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	private static TestBrowser browser;

	@Autowired
	JdbcTemplate jdbc;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		StubbedGateway.register(registry, graph, identityProvider, POLICY_FILE);
		// The audit page signs in through the stub identity provider.
		String page = "spring.security.oauth2.client.registration.audit-page.";
		registry.add(page + "client-id", () -> StubIdentityProvider.PAGE_CLIENT_ID);
		registry.add(page + "client-secret", () -> StubIdentityProvider.PAGE_CLIENT_SECRET);
		registry.add(page + "scope", () -> "openid,profile");
		registry.add(page + "authorization-grant-type", () -> "authorization_code");
		registry.add(page + "redirect-uri", () -> "{baseUrl}/login/oauth2/code/{registrationId}");
		registry.add(page + "provider", () -> "stub");
		identityProvider.pageProvider()
			.forEach((name, value) -> registry.add("spring.security.oauth2.client.provider.stub." + name, () -> value));
	}

	@BeforeAll
	static void startBrowser() {
		browser = TestBrowser.start();
	}

	@AfterAll
	static void stopBrowser() {
		if (browser != null) {
			browser.close();
		}
	}

	@Test
	void recordWhenBeforeImageCapturedThenChangesShowOldToNew() {
		graph.reset();
		graph.directory().user(USER_ID, "adele.vance@contoso.example").property(USER_ID, "jobTitle", "\"Analyst\"");
		String id = patch("{\"jobTitle\":\"Chief Financial Officer\"}");
		WebDriver driver = browser.driver();

		driver.get(gateway() + "/audit/page/events/" + id);
		new WebDriverWait(driver, Duration.ofSeconds(20))
			.until((d) -> !d.findElements(By.cssSelector("table.changes")).isEmpty());

		WebElement change = driver.findElement(By.cssSelector("table.changes tbody tr"));
		assertThat(change.findElement(By.tagName("th")).getText()).isEqualTo("jobTitle");
		assertThat(change.findElement(By.cssSelector("td.old")).getText()).isEqualTo("Analyst");
		assertThat(change.findElement(By.cssSelector("td.new")).getText()).isEqualTo("Chief Financial Officer");
		assertThat(change.getText()).contains("Analyst → Chief Financial Officer");
		assertThat(driver.findElement(By.id("before-image")).getText())
			.startsWith("Old values read from Graph before the change (");
		browser.screenshot("audit-page-before-image");
	}

	private String gateway() {
		return "http://127.0.0.1:" + this.port;
	}

	/** A PATCH of the user by the default caller; answers the id of its closed event. */
	private String patch(String body) {
		String correlationId = UUID.randomUUID().toString();
		StubbedGateway.client(this.port)
			.patch()
			.uri("/users/" + USER_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.header("client-request-id", correlationId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isNoContent();
		String[] id = new String[1];
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			List<String> ids = this.jdbc.queryForList(
					"SELECT id FROM audit_event WHERE correlation_id = ? AND activity_result <> 'pending'",
					String.class, correlationId);
			assertThat(ids).hasSize(1);
			id[0] = ids.get(0);
		});
		return id[0];
	}

	private static Path writePolicy() {
		String policy = """
				# The stub identity provider's tenant captures before-images.
				defaults:
				  unknown-tenants: allow
				  license: active
				tenants:
				  - id: %s
				    capture-before: best-effort
				""".formatted(StubIdentityProvider.TENANT);
		try {
			Path file = Files.createTempFile("before-image-page-browser-tests-", ".yml");
			file.toFile().deleteOnExit();
			return Files.writeString(file, policy);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}

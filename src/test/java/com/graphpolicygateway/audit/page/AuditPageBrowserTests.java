package com.graphpolicygateway.audit.page;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.query.AuditCsv;
import com.graphpolicygateway.audit.verify.AuditVerifyCommand;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.test.TestBrowser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The audit page in headless Chromium, as an auditor uses it: signs in through the stub
 * OpenID Connect provider, filters with the keyboard, opens a record, checks what it
 * shows, and downloads the CSV. Screenshots of each step go to
 * {@code target/screenshots/}.
 * <p>
 * Names the gateway explicitly: {@link AuditVerifyCommand} declares a
 * {@code @SpringBootConfiguration} of its own in this package.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class AuditPageBrowserTests extends GatewayIntegrationTest {

	private static TestBrowser browser;

	@Autowired
	JdbcTemplate jdbc;

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
	void auditorSignsInFiltersOpensARecordAndDownloadsTheCsv() throws Exception {
		String target = "megan." + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
		graph.willAnswer(Answer.json(204, "", Map.of("request-id", "graph-7f3a9c1e")));
		String allowed = patch(target, MediaType.APPLICATION_JSON, "{\"jobTitle\":\"Chief Financial Officer\"}");
		String refused = patch(target, MediaType.TEXT_PLAIN, "not json");
		WebDriver driver = browser.driver();

		open(driver, gateway() + "/audit");
		waitFor(driver, By.id("apply"));
		assertThat(driver.getCurrentUrl()).isEqualTo(gateway() + "/audit");
		assertThat(driver.findElement(By.cssSelector(".who .user")).getText()).isEqualTo("auditor@contoso.example");
		assertThat(driver.findElement(By.cssSelector(".banner")).getText()).isNotBlank();
		browser.screenshot("audit-page-1-signed-in");

		// The skip link is the first stop of the keyboard.
		driver.findElement(By.tagName("body")).sendKeys(Keys.TAB);
		assertThat(driver.switchTo().activeElement().getText()).isEqualTo("Skip to content");

		WebElement targetField = driver.findElement(By.id("target"));
		targetField.sendKeys(target);
		new Select(driver.findElement(By.id("result"))).selectByValue("success");
		driver.findElement(By.id("target")).sendKeys(Keys.ENTER);
		waitFor(driver, By.cssSelector("table.events"));
		List<WebElement> rows = driver.findElements(By.cssSelector("table.events tbody tr"));
		assertThat(rows).hasSize(1);
		assertThat(rows.get(0).getText()).contains(target).contains("jobTitle").contains("success").contains("204");
		assertThat(driver.getPageSource()).doesNotContain(refused);
		assertThat(driver.findElement(By.id("target")).getAttribute("value")).isEqualTo(target);
		browser.screenshot("audit-page-2-filtered");

		WebElement link = rows.get(0).findElement(By.tagName("a"));
		link.sendKeys(Keys.ENTER);
		waitFor(driver, By.id("decision"));
		assertThat(driver.getCurrentUrl()).endsWith("/audit/page/events/" + allowed);
		assertThat(driver.findElement(By.id("decision")).getText()).isEqualTo("allow");
		assertThat(driver.findElement(By.id("reason")).getText()).isEqualTo("allowed");
		assertThat(driver.findElement(By.id("graph-status")).getText()).isEqualTo("204");
		assertThat(driver.findElement(By.id("graph-request-id")).getText()).isEqualTo("graph-7f3a9c1e");
		assertThat(driver.findElement(By.id("actor")).getText()).isEqualTo("adele.vance@contoso.example");
		assertThat(driver.findElement(By.id("target")).getText()).isEqualTo(target);
		WebElement change = driver.findElement(By.cssSelector("table.changes tbody tr"));
		assertThat(change.findElement(By.tagName("th")).getText()).isEqualTo("jobTitle");
		assertThat(change.findElement(By.cssSelector("td.old")).getText()).isEqualTo("not known");
		assertThat(change.findElement(By.cssSelector("td.new")).getText()).isEqualTo("Chief Financial Officer");
		browser.screenshot("audit-page-3-record");

		driver.navigate().back();
		waitFor(driver, By.id("csv"));
		driver.findElement(By.id("csv")).click();
		Path csv = browser.downloads().resolve("audit-events.csv");
		await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(csv) && Files.size(csv) > 0);
		List<String> lines = Files.readAllLines(csv);
		assertThat(lines.get(0)).isEqualTo(AuditCsv.HEADER.strip());
		assertThat(lines).hasSize(2);
		assertThat(lines.get(1)).contains(allowed).contains(target);
		browser.screenshot("audit-page-4-after-download");
	}

	/**
	 * The identity provider (127.0.0.1) is another site than the gateway (localhost): its
	 * redirect back to the sign-in callback crosses sites, and the {@code SameSite=Lax}
	 * session cookie, with the sign-in's state, comes along. (The stub provider answers
	 * without a page, so the browser still counts the chain as its own navigation, where
	 * even a {@code Strict} cookie is sent; after a real provider's sign-in page it is
	 * the provider's navigation, which a {@code Strict} cookie would not follow.)
	 */
	@Test
	void signInWhenTheProviderIsAnotherSiteThenTheSessionCookieComesBackWithItsRedirect() {
		WebDriver driver = browser.driver();
		String otherSite = "http://localhost:" + this.port;

		open(driver, otherSite + "/audit?result=refused");
		waitFor(driver, By.id("apply"));

		assertThat(driver.getCurrentUrl()).isEqualTo(otherSite + "/audit?result=refused");
		assertThat(driver.findElement(By.cssSelector(".who .user")).getText()).isEqualTo("auditor@contoso.example");
	}

	@Test
	void pageRefusesInlineScriptByPolicy() {
		WebDriver driver = browser.driver();
		open(driver, gateway() + "/audit");
		waitFor(driver, By.id("apply"));
		Object executed = browser.driver()
			.executeScript("const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
					+ " document.body.appendChild(s); return window.__ran === true;");
		assertThat(executed).isEqualTo(false);
	}

	private String gateway() {
		return "http://127.0.0.1:" + this.port;
	}

	/**
	 * Navigates; a page that never finishes loading is reported with where it stopped.
	 */
	private static void open(WebDriver driver, String url) {
		try {
			driver.get(url);
		}
		catch (TimeoutException ex) {
			throw new AssertionError("Loading " + url + " did not finish; the browser was at " + driver.getCurrentUrl(),
					ex);
		}
	}

	private static void waitFor(WebDriver driver, By element) {
		new WebDriverWait(driver, Duration.ofSeconds(20)).until((d) -> !d.findElements(element).isEmpty());
	}

	/** A PATCH by the default caller; answers the id of its closed audit event. */
	private String patch(String target, MediaType type, String body) {
		String correlationId = UUID.randomUUID().toString();
		this.client.patch()
			.uri("/users/" + target)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.header("client-request-id", correlationId)
			.contentType(type)
			.bodyValue(body)
			.exchange()
			.expectBody()
			.returnResult();
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

}

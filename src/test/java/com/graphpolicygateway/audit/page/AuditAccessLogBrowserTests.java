package com.graphpolicygateway.audit.page;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.TestPropertySource;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.verify.AuditVerifyCommand;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.TestBrowser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit page's access log tab in headless Chromium, as a global auditor uses it:
 * signs in, views the events, goes to the tab with the keyboard and finds that view
 * there, with who made it. Screenshots go to {@code target/screenshots/}.
 * <p>
 * The global auditors are those of the query API's route tests, so that both share one
 * gateway. Names the gateway explicitly: {@link AuditVerifyCommand} declares a
 * {@code @SpringBootConfiguration} of its own in this package.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = { "graph-gateway.audit.global-auditors[0]=" + AuditAccessLogBrowserTests.GLOBAL_UPPER,
		"graph-gateway.audit.global-auditors[1]=a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d" })
class AuditAccessLogBrowserTests extends GatewayIntegrationTest {

	static final String GLOBAL_UPPER = "E1B2C3D4-5F6A-4B7C-8D9E-0F1A2B3C4D5E";

	private static TestBrowser browser;

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
	void globalAuditorViewsTheEventsThenFindsThatViewInTheAccessLogTab() {
		identityProvider.willSignIn((token) -> token.claim("oid", GLOBAL_UPPER.toLowerCase()));
		WebDriver driver = browser.driver();

		driver.get(gateway() + "/audit?result=refused");
		waitFor(driver, By.id("apply"));
		assertThat(driver.findElement(By.cssSelector(".who .tenant")).getText()).isEqualTo("all tenants");
		WebElement tab = driver.findElement(By.id("tab-access"));
		tab.sendKeys(Keys.ENTER);
		waitFor(driver, By.cssSelector("table.access"));

		assertThat(driver.getCurrentUrl()).endsWith("/audit/page/access");
		List<WebElement> rows = driver.findElements(By.cssSelector("table.access tbody tr"));
		assertThat(rows).isNotEmpty()
			.anySatisfy((row) -> assertThat(row.getText()).contains("View audit page")
				.contains("auditor@contoso.example at 127.0.0.1")
				.contains("result=refused")
				.contains("success"));
		browser.screenshot("audit-page-access-log");
		driver.findElement(By.id("tab-events")).sendKeys(Keys.ENTER);
		waitFor(driver, By.cssSelector("table.events:not(.access)"));
		assertThat(driver.getCurrentUrl()).endsWith("/audit");
	}

	private String gateway() {
		return "http://127.0.0.1:" + this.port;
	}

	private static void waitFor(WebDriver driver, By element) {
		new WebDriverWait(driver, Duration.ofSeconds(20)).until((d) -> !d.findElements(element).isEmpty());
	}

}

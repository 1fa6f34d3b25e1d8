package com.graphpolicygateway.test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.PageLoadStrategy;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import org.springframework.util.FileSystemUtils;

/**
 * Headless Chromium for browser tests: Debian's {@code chromium} driven through its
 * {@code chromium-driver}, started offline (no background networking, a fresh profile),
 * with a laptop-sized window and downloads into a folder of the test's own. Without them
 * the test is skipped, or fails when {@code CI=true}: {@code .ci/run} installs both.
 */
public final class TestBrowser implements AutoCloseable {

	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	/** Screenshots land here, for a person to look at after the build. */
	private static final Path SCREENSHOTS = Path.of("target", "screenshots");

	private final ChromeDriver driver;

	private final Path profile;

	private final Path downloads;

	private TestBrowser(ChromeDriver driver, Path profile, Path downloads) {
		this.driver = driver;
		this.profile = profile;
		this.downloads = downloads;
	}

	public static TestBrowser start() {
		if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
			String message = "No browser for the browser tests: " + CHROMIUM + " and " + CHROMEDRIVER
					+ " are needed (Debian packages chromium and chromium-driver)";
			if ("true".equalsIgnoreCase(System.getenv("CI"))) {
				Assertions.fail(message + " (CI=true: browser tests must run in CI)");
			}
			Assumptions.abort(message);
		}
		try {
			Path profile = Files.createTempDirectory("chromium-profile");
			Path downloads = Files.createTempDirectory("chromium-downloads");
			ChromeOptions options = new ChromeOptions();
			options.setBinary(CHROMIUM.toFile());
			options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
					"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
					"--disable-sync", "--window-size=1366,900", "--user-data-dir=" + profile);
			// Chromium now and then never finished loading its own new-tab page, and a
			// navigation waiting for "complete" waited with it; the tests wait for the
			// elements they need instead.
			options.setPageLoadStrategy(PageLoadStrategy.EAGER);
			options.setExperimentalOption("prefs",
					Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
			ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
				.usingAnyFreePort()
				.build();
			ChromeDriver driver = new ChromeDriver(service, options);
			// The whole sign-in is one navigation of several redirects, on two cores
			// shared
			// with the build.
			driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
			return new TestBrowser(driver, profile, downloads);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public ChromeDriver driver() {
		return this.driver;
	}

	public Path downloads() {
		return this.downloads;
	}

	/** Saves what the browser shows as {@code target/screenshots/<name>.png}. */
	public Path screenshot(String name) {
		try {
			Files.createDirectories(SCREENSHOTS);
			File shot = this.driver.getScreenshotAs(OutputType.FILE);
			Path target = SCREENSHOTS.resolve(name + ".png");
			Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
			return target;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		this.driver.quit();
		FileSystemUtils.deleteRecursively(this.profile.toFile());
		FileSystemUtils.deleteRecursively(this.downloads.toFile());
	}

}

package com.graphpolicygateway.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import com.graphpolicygateway.test.LogCapture;
import com.graphpolicygateway.test.TestClock;

import static com.graphpolicygateway.policy.TestPolicies.TENANT;
import static com.graphpolicygateway.policy.TestPolicies.policy;
import static com.graphpolicygateway.policy.TestPolicies.tenant;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policy's health: which version is enforced, and a failed reload shown without
 * taking the gateway down (the last good policy still decides).
 */
class PolicyHealthIndicatorTests {

	static final TestPolicies.Builder POLICY = policy().tenant(tenant(TENANT).license("active"));

	@RegisterExtension
	final LogCapture logs = LogCapture.of(PolicyStore.class);

	@TempDir
	Path directory;

	@Test
	void healthWhenLoadedThenUpWithFileVersionTenantsAndLoadTime() {
		Path file = POLICY.writeTo(this.directory.resolve("tenants.yml"));

		Health health = new PolicyHealthIndicator(store(file)).health();

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("file", file.toString())
			.containsEntry("version", PolicyParser.version(POLICY.bytes()))
			.containsEntry("tenants", 1)
			.containsEntry("loadedAt", "2026-06-10T10:00:00Z")
			.doesNotContainKey("lastReloadError");
	}

	@Test
	void healthWhenLastReloadFailedThenStillUpWithTheError() throws IOException {
		Path file = POLICY.writeTo(this.directory.resolve("tenants.yml"));
		PolicyStore store = store(file);
		Files.writeString(file, "defaults:\n  mode: enforced\n");
		store.reloadIfChanged();

		Health health = new PolicyHealthIndicator(store).health();

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("version", PolicyParser.version(POLICY.bytes()))
			.hasEntrySatisfying("lastReloadError", (error) -> assertThat(error).asString().contains("defaults.mode"));
		assertThat(this.logs.errors()).singleElement().asString().contains("defaults.mode");
	}

	private static PolicyStore store(Path file) {
		return new PolicyStore(file, Duration.ofSeconds(1), new TestClock(Instant.parse("2026-06-10T10:00:00Z")),
				new SimpleMeterRegistry());
	}

}

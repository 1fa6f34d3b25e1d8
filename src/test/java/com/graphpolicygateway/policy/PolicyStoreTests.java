package com.graphpolicygateway.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.graphpolicygateway.test.LogCapture;
import com.graphpolicygateway.test.TestClock;

import static com.graphpolicygateway.policy.TestPolicies.OTHER_TENANT;
import static com.graphpolicygateway.policy.TestPolicies.TENANT;
import static com.graphpolicygateway.policy.TestPolicies.policy;
import static com.graphpolicygateway.policy.TestPolicies.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Loading and hot-reloading the policy file: start-up fails on a missing or invalid file;
 * later, a valid change replaces the policy, an invalid one is reported and counted but
 * never replaces the last good policy; Kubernetes ConfigMap symlink swaps are seen.
 */
class PolicyStoreTests {

	static final TestPolicies.Builder FIRST = policy().tenant(tenant(TENANT).license("active"));

	static final TestPolicies.Builder SECOND = policy().tenant(tenant(TENANT).license("active"))
		.tenant(tenant(OTHER_TENANT).license("inactive"));

	static final String INVALID = """
			tenants:
			  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
			    alowed-properties: [ displayName ]
			""";

	@RegisterExtension
	final LogCapture logs = LogCapture.of(PolicyStore.class);

	@TempDir
	Path directory;

	SimpleMeterRegistry meters = new SimpleMeterRegistry();

	TestClock clock = new TestClock(Instant.parse("2026-06-10T10:00:00Z"));

	Path file;

	@BeforeEach
	void writeFirstPolicy() {
		this.file = FIRST.writeTo(this.directory.resolve("tenants.yml"));
	}

	@Test
	void constructWhenFileMissingThenStartUpFailsNamingTheProperty() {
		Path missing = this.directory.resolve("missing.yml");

		assertThatIllegalStateException().isThrownBy(() -> store(missing))
			.withMessageContaining("graph-gateway.policy.file")
			.withMessageContaining(missing.toString());
	}

	@Test
	void constructWhenFileInvalidThenStartUpFailsNamingThePropertyAndKey() throws IOException {
		write(this.file, INVALID);

		assertThatIllegalStateException().isThrownBy(() -> store(this.file))
			.withMessageContaining("graph-gateway.policy.file")
			.withMessageContaining("tenants[0].alowed-properties");
	}

	@Test
	void constructThenPolicyLoadedWithItsVersion() {
		PolicyStore store = store(this.file);

		assertThat(store.current().version()).isEqualTo(version(FIRST));
		assertThat(store.current().tenantCount()).isEqualTo(1);
		assertThat(store.lastError()).isNull();
		assertThat(store.loadedAt()).isEqualTo(this.clock.instant());
		assertThat(store.file()).isEqualTo(this.file);
	}

	@Test
	void reloadIfChangedWhenValidChangeThenNewPolicyAndCounted() {
		PolicyStore store = store(this.file);
		SECOND.writeTo(this.file);
		this.clock.advance(Duration.ofMinutes(1));

		store.reloadIfChanged();

		assertThat(store.current().version()).isEqualTo(version(SECOND));
		assertThat(store.current().tenantCount()).isEqualTo(2);
		assertThat(store.loadedAt()).isEqualTo(this.clock.instant());
		assertThat(reloads("success")).isEqualTo(1);
		assertThat(reloads("failure")).isZero();
	}

	@Test
	void reloadIfChangedWhenUnchangedThenNothingReloaded() {
		PolicyStore store = store(this.file);

		store.reloadIfChanged();
		store.reloadIfChanged();

		assertThat(store.current().version()).isEqualTo(version(FIRST));
		assertThat(reloads("success")).isZero();
	}

	@Test
	void reloadIfChangedWhenInvalidChangeThenLastGoodKeptAndErrorShownAndCountedOnce() throws IOException {
		PolicyStore store = store(this.file);
		write(this.file, INVALID);

		store.reloadIfChanged();
		store.reloadIfChanged();

		assertThat(store.current().version()).isEqualTo(version(FIRST));
		assertThat(store.lastError()).contains(this.file.toString()).contains("tenants[0].alowed-properties");
		assertThat(reloads("failure")).isEqualTo(1);
		assertThat(lastReloadFailed()).isEqualTo(1);
		assertThat(this.logs.errors()).singleElement()
			.asString()
			.startsWith("Tenant policy not reloaded, still enforcing " + version(FIRST) + ": ")
			.contains(this.file.toString())
			.contains("tenants[0].alowed-properties");
	}

	@Test
	void reloadIfChangedWhenInvalidChangeThenErrorNamesTheLine() throws IOException {
		PolicyStore store = store(this.file);
		write(this.file, INVALID);

		store.reloadIfChanged();

		assertThat(store.lastError()).contains("line 3");
	}

	@Test
	void reloadIfChangedWhenValidChangeFollowsAnInvalidOneThenErrorCleared() throws IOException {
		PolicyStore store = store(this.file);
		write(this.file, INVALID);
		store.reloadIfChanged();
		SECOND.writeTo(this.file);

		store.reloadIfChanged();

		assertThat(store.current().version()).isEqualTo(version(SECOND));
		assertThat(store.lastError()).isNull();
		assertThat(lastReloadFailed()).isZero();
		assertThat(reloads("success")).isEqualTo(1);
	}

	@Test
	void reloadIfChangedWhenInvalidChangeIsRevertedThenErrorCleared() throws IOException {
		PolicyStore store = store(this.file);
		write(this.file, INVALID);
		store.reloadIfChanged();
		FIRST.writeTo(this.file);

		store.reloadIfChanged();

		assertThat(store.current().version()).isEqualTo(version(FIRST));
		assertThat(store.lastError()).isNull();
		assertThat(lastReloadFailed()).isZero();
	}

	@Test
	void reloadIfChangedWhenFileDisappearsThenLastGoodKeptAndErrorShown() throws IOException {
		PolicyStore store = store(this.file);
		Files.delete(this.file);

		store.reloadIfChanged();

		assertThat(store.current().version()).isEqualTo(version(FIRST));
		assertThat(store.lastError()).contains("missing");
		assertThat(reloads("failure")).isEqualTo(1);
		assertThat(this.logs.errors()).singleElement()
			.asString()
			.startsWith("Tenant policy not reloaded, still enforcing " + version(FIRST) + ": ")
			.contains("missing");
	}

	@Test
	void reloadIfChangedWhenFileReappearsUnchangedThenErrorCleared() throws IOException {
		PolicyStore store = store(this.file);
		byte[] content = Files.readAllBytes(this.file);
		Files.delete(this.file);
		store.reloadIfChanged();
		Files.write(this.file, content);

		store.reloadIfChanged();

		assertThat(store.current().version()).isEqualTo(version(FIRST));
		assertThat(store.lastError()).isNull();
		assertThat(lastReloadFailed()).isZero();
	}

	@Test
	void reloadIfChangedWhenConfigMapSymlinkSwappedThenNewPolicy() throws IOException {
		Path configMap = Files.createDirectory(this.directory.resolve("config-map"));
		Path first = Files.createDirectory(configMap.resolve("..2026_06_10_10_00_00.1"));
		FIRST.writeTo(first.resolve("tenants.yml"));
		Files.createSymbolicLink(configMap.resolve("..data"), first.getFileName());
		Path mounted = Files.createSymbolicLink(configMap.resolve("tenants.yml"), Path.of("..data", "tenants.yml"));
		PolicyStore store = store(mounted);
		Path second = Files.createDirectory(configMap.resolve("..2026_06_10_10_05_00.2"));
		SECOND.writeTo(second.resolve("tenants.yml"));

		// What the kubelet does: a new ..data link, renamed over the old one in one step.
		Path newData = Files.createSymbolicLink(configMap.resolve("..data_tmp"), second.getFileName());
		Files.move(newData, configMap.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
				StandardCopyOption.REPLACE_EXISTING);
		Files.delete(first.resolve("tenants.yml"));
		Files.delete(first);
		store.reloadIfChanged();

		assertThat(store.current().version()).isEqualTo(version(SECOND));
		assertThat(store.lastError()).isNull();
	}

	@Test
	void startWhenFileChangesThenPickedUpWithinAFewIntervals() throws IOException {
		PolicyStore store = new PolicyStore(this.file, Duration.ofMillis(50), Clock.systemUTC(), this.meters);
		store.start();
		try {
			assertThat(store.isRunning()).isTrue();
			Path next = SECOND.writeTo(this.directory.resolve("tenants.yml.tmp"));
			Files.move(next, this.file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

			await().atMost(Duration.ofSeconds(2))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> store.current().version().equals(version(SECOND)));
		}
		finally {
			store.stop();
		}
		assertThat(store.isRunning()).isFalse();
	}

	private PolicyStore store(Path path) {
		return new PolicyStore(path, Duration.ofSeconds(1), this.clock, this.meters);
	}

	private double reloads(String result) {
		return this.meters.get("graph_gateway.policy.reloads").tag("result", result).counter().count();
	}

	private double lastReloadFailed() {
		return this.meters.get("graph_gateway.policy.last_reload_failed").gauge().value();
	}

	private static String version(TestPolicies.Builder policy) {
		return PolicyParser.version(policy.bytes());
	}

	private static void write(Path file, String content) throws IOException {
		Files.writeString(file, content, StandardCharsets.UTF_8);
	}

}

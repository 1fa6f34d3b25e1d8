package com.graphpolicygateway.audit.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.core.io.ClassPathResource;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Tests for {@link SqliteStoreSettings}: a SQLite audit store starts only with each
 * commit synced, WAL, immediate transactions and a busy timeout; an H2 store, or a new
 * SQLite trail beside an earlier H2 trail, not at all.
 */
class SqliteStoreSettingsTests {

	/**
	 * A start-up failure is logged by Spring Boot: kept off the console, and asserted.
	 */
	@RegisterExtension
	final LogCapture logs = LogCapture.of("org.springframework.boot.SpringApplication",
			"org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter");

	@Test
	void checkWhenEverySettingGivenInAnyCaseThenAccepted() {
		assertThatNoException().isThrownBy(() -> SqliteStoreSettings
			.check("jdbc:sqlite:./data/audit.db?journal_mode=wal&synchronous=EXTRA&busy_timeout=5000"
					+ "&transaction_mode=Immediate"));
	}

	@Test
	void checkWhenTheEmbeddedDefaultThenAccepted() {
		YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
		yaml.setResources(new ClassPathResource("application.yml"));
		String url = yaml.getObject().getProperty("spring.datasource.url");

		assertThat(SqliteStoreSettings.isSqlite(url)).isTrue();
		assertThatNoException().isThrownBy(() -> SqliteStoreSettings.check(url));
		assertThat(SqliteStoreSettings.file(url)).isEqualTo(Path.of("data/audit.db").toAbsolutePath());
	}

	@Test
	void checkWhenNoSettingsThenEachMissingOneNamed() {
		assertThatIllegalStateException().isThrownBy(() -> SqliteStoreSettings.check("jdbc:sqlite:./data/audit.db"))
			.withMessageContaining("journal_mode=WAL")
			.withMessageContaining("synchronous=FULL")
			.withMessageContaining("transaction_mode=IMMEDIATE")
			.withMessageContaining("busy_timeout=10000");
	}

	@Test
	void checkWhenCommitsNotSyncedThenRefusedNamingTheWeakerValue() {
		assertThatIllegalStateException()
			.isThrownBy(() -> SqliteStoreSettings.check("jdbc:sqlite:audit.db?journal_mode=WAL&synchronous=NORMAL"
					+ "&busy_timeout=10000&transaction_mode=IMMEDIATE"))
			.withMessageContaining("without synchronous=FULL (not NORMAL):");
	}

	@Test
	void createFolderWhenFolderMissingThenCreated(@TempDir Path directory) {
		Path file = SqliteStoreSettings
			.file("jdbc:sqlite:" + directory.resolve("data/audit/audit.db") + "?journal_mode=WAL");

		SqliteStoreSettings.createFolder(file);

		assertThat(file).hasFileName("audit.db");
		assertThat(file.getParent()).isDirectory();
		assertThat(file).doesNotExist();
	}

	@Test
	void fileWhenInMemoryThenNone() {
		assertThat(SqliteStoreSettings.file("jdbc:sqlite::memory:")).isNull();
		assertThat(SqliteStoreSettings.file("jdbc:sqlite:file:./data/audit.db?mode=rw"))
			.isEqualTo(Path.of("data/audit.db").toAbsolutePath());
	}

	@Test
	void startWhenAnEarlierH2TrailIsWhereTheNewStoreWouldBeThenRefusedSayingItCannotBeOpened(@TempDir Path directory)
			throws IOException {
		Files.writeString(directory.resolve("audit.mv.db"), "an H2 trail");

		assertThatIllegalStateException()
			.isThrownBy(() -> SqliteStoreSettings.refuseBesideAnEarlierH2Trail(directory.resolve("audit.db")))
			.withMessageContaining(directory.resolve("audit.mv.db").toString())
			.withMessageContaining("this version cannot open it")
			.withMessageContaining("read, export and verify them with the release that wrote it")
			.withMessageContaining("move the H2 trail away first")
			.withMessageNotContaining("jdbc:h2:");
		assertThat(directory.resolve("audit.mv.db")).hasContent("an H2 trail");
		assertThat(directory.resolve("audit.db")).doesNotExist();
	}

	@Test
	void startWhenUrlNamesH2ThenRefusedSayingWhatToUseInsteadWithoutQuotingTheUrl() {
		DataSourceProperties properties = new DataSourceProperties();
		properties.setUrl("JDBC:H2:file:./data/audit;PASSWORD=not-for-logs");

		assertThatIllegalStateException()
			.isThrownBy(() -> new SqliteStoreSettings().postProcessAfterInitialization(properties, "dataSource"))
			.withMessageContaining("H2 audit store is no longer supported")
			.withMessageContaining("embedded SQLite default")
			.withMessageContaining("PostgreSQL")
			.withMessageNotContaining("not-for-logs");
	}

	@Test
	void startWhenUrlNamesH2ThenTheGatewayDoesNotStartAndSaysWhatToDoWithoutAStackTrace() {
		SpringApplicationBuilder gateway = new SpringApplicationBuilder(GraphPolicyGatewayApplication.class)
			.properties("server.port=0", "management.server.port=0", "graph-gateway.upstream.auth=passthrough")
			.listeners(this.logs);

		assertThatException()
			.isThrownBy(() -> gateway.run("--spring.datasource.url=jdbc:h2:file:./data/never-opened").close());
		String logged = String.join("\n", this.logs.errors());
		assertThat(logged).contains("APPLICATION FAILED TO START")
			.contains("the H2 audit store is no longer supported")
			.contains("docs/audit-trail.md, \"Stores\"")
			.doesNotContain("org.h2.Driver")
			.doesNotContain("Application run failed");
		assertThat(Path.of("data/never-opened.mv.db")).doesNotExist();
	}

	@Test
	void startWhenUrlNamesPostgresqlThenLeftAlone() {
		DataSourceProperties properties = new DataSourceProperties();
		properties.setUrl("jdbc:postgresql://db/audit");

		assertThat(new SqliteStoreSettings().postProcessAfterInitialization(properties, "dataSource"))
			.isSameAs(properties);
	}

	@Test
	void startWhenBothTrailsExistThenTheSqliteOneIsUsed(@TempDir Path directory) throws IOException {
		Files.writeString(directory.resolve("audit.mv.db"), "an H2 trail moved back");
		Files.writeString(directory.resolve("audit.db"), "");

		assertThatNoException()
			.isThrownBy(() -> SqliteStoreSettings.refuseBesideAnEarlierH2Trail(directory.resolve("audit.db")));
	}

	@Test
	void isSqliteWhenUrlNamesAnotherDatabaseThenFalse() {
		assertThat(SqliteStoreSettings.isSqlite("JDBC:SQLITE:audit.db")).isTrue();
		assertThat(SqliteStoreSettings.isSqlite("jdbc:h2:file:./data/audit")).isFalse();
		assertThat(SqliteStoreSettings.isSqlite("jdbc:postgresql://db/audit")).isFalse();
	}

}

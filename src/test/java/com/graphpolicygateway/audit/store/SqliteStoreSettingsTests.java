package com.graphpolicygateway.audit.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Tests for {@link SqliteStoreSettings}: a SQLite audit store starts only with each
 * commit synced, WAL, immediate transactions and a busy timeout.
 */
class SqliteStoreSettingsTests {

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
	void startWhenAnEarlierH2TrailIsWhereTheNewStoreWouldBeThenRefusedSayingHowToKeepIt(@TempDir Path directory)
			throws IOException {
		Files.writeString(directory.resolve("audit.mv.db"), "an H2 trail");

		assertThatIllegalStateException()
			.isThrownBy(() -> SqliteStoreSettings.refuseBesideAnEarlierH2Trail(directory.resolve("audit.db")))
			.withMessageContaining(directory.resolve("audit.mv.db").toString())
			.withMessageContaining("spring.datasource.url=jdbc:h2:file:" + directory.resolve("audit"))
			.withMessageContaining("spring.datasource.username=sa");
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

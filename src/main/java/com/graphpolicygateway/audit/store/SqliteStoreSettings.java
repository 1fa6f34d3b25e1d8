package com.graphpolicygateway.audit.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;

/**
 * Prepares a SQLite audit store before anything opens it: its folder is created (SQLite
 * creates the file, not the folders above it), and its JDBC URL must say what the trail's
 * guarantees need, or start-up fails naming what is missing: each commit synced before a
 * call is forwarded ({@code synchronous=FULL} or {@code EXTRA}), readers beside the one
 * writer ({@code journal_mode=WAL}), and every transaction taking the write lock when it
 * begins ({@code transaction_mode=IMMEDIATE}), so that the audit writer, the recovery of
 * lost events and retention wait for each other ({@code busy_timeout}) instead of failing
 * with {@code SQLITE_BUSY}. A URL naming an H2 database, the embedded store of earlier
 * versions, fails start-up too, saying what to use instead.
 */
public final class SqliteStoreSettings implements BeanPostProcessor {

	private static final String PREFIX = "jdbc:sqlite:";

	private static final String H2_PREFIX = "jdbc:h2:";

	/** The settings the URL must name, with the values each may take. */
	private static final Map<String, List<String>> REQUIRED = requiredSettings();

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		// After initialization: the properties are bound by then.
		if (bean instanceof DataSourceProperties properties && properties.getUrl() != null) {
			refuseH2(properties.getUrl());
		}
		if (bean instanceof DataSourceProperties properties && properties.getUrl() != null
				&& isSqlite(properties.getUrl())) {
			check(properties.getUrl());
			Path file = file(properties.getUrl());
			if (file != null) {
				refuseBesideAnEarlierH2Trail(file);
				createFolder(file);
			}
		}
		return bean;
	}

	private static Map<String, List<String>> requiredSettings() {
		Map<String, List<String>> required = new LinkedHashMap<>();
		required.put("journal_mode", List.of("wal"));
		required.put("synchronous", List.of("full", "extra"));
		required.put("transaction_mode", List.of("immediate"));
		return required;
	}

	/** Whether a JDBC URL names a SQLite database. */
	public static boolean isSqlite(String jdbcUrl) {
		return jdbcUrl.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
	}

	/** The database file a SQLite URL names; null for an in-memory database. */
	static @Nullable Path file(String jdbcUrl) {
		String path = jdbcUrl.substring(PREFIX.length());
		int query = path.indexOf('?');
		path = (query >= 0) ? path.substring(0, query) : path;
		path = path.startsWith("file:") ? path.substring("file:".length()) : path;
		return (path.isEmpty() || path.startsWith(":memory:")) ? null : Path.of(path).toAbsolutePath().normalize();
	}

	/**
	 * Refuses a URL naming an H2 database: this version has no H2 store (nor its driver),
	 * and should say so rather than fail to load a driver class.
	 * @throws AuditStoreSettingsException when {@code jdbcUrl} names an H2 database
	 */
	public static void refuseH2(String jdbcUrl) {
		if (jdbcUrl.regionMatches(true, 0, H2_PREFIX, 0, H2_PREFIX.length())) {
			// The URL is not quoted: an H2 URL may carry a password.
			throw new AuditStoreSettingsException(
					"spring.datasource.url names an H2 database (jdbc:h2:...), and the H2 "
							+ "audit store is no longer supported: use the embedded SQLite default (leave "
							+ "spring.datasource.url unset) or PostgreSQL. An H2 trail written by an earlier release can be "
							+ "read, exported and verified with that release (docs/audit-trail.md, \"Upgrading from H2\")");
		}
	}

	/** Creates the folder of a database file. */
	static void createFolder(Path file) {
		try {
			Files.createDirectories(file.getParent());
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot create the folder of the SQLite audit store " + file, ex);
		}
	}

	/**
	 * Refuses to start a new SQLite trail beside the H2 trail an earlier version kept
	 * there by default ({@code audit.mv.db} beside {@code audit.db}, and so for the
	 * sandbox's {@code sandbox-audit}): the gateway would seem to have lost every event
	 * recorded before, and this version cannot open that trail.
	 */
	static void refuseBesideAnEarlierH2Trail(Path file) {
		String name = file.getFileName().toString();
		Path h2 = file.resolveSibling(name.replaceFirst("\\.db$", "") + ".mv.db");
		if (Files.exists(h2) && !Files.exists(file)) {
			throw new AuditStoreSettingsException("An H2 audit trail is at " + h2
					+ ", where earlier releases kept their "
					+ "embedded store; this version cannot open it (its embedded store is SQLite). Keep the file as "
					+ "long as its events must be kept, and read, export and verify them with the release that "
					+ "wrote it; to start a new trail in " + file + ", move the H2 trail away first "
					+ "(docs/audit-trail.md, \"Upgrading from H2\")");
		}
	}

	/**
	 * Checks a SQLite URL.
	 * @throws AuditStoreSettingsException naming each setting that is missing or weaker
	 */
	public static void check(String jdbcUrl) {
		int query = jdbcUrl.indexOf('?');
		Map<String, String> given = new LinkedHashMap<>();
		if (query >= 0) {
			for (String pair : jdbcUrl.substring(query + 1).split("&")) {
				int equals = pair.indexOf('=');
				if (equals > 0) {
					given.put(pair.substring(0, equals).toLowerCase(Locale.ROOT),
							pair.substring(equals + 1).toLowerCase(Locale.ROOT));
				}
			}
		}
		List<String> problems = new ArrayList<>();
		REQUIRED.forEach((setting, allowed) -> {
			String value = given.get(setting);
			if (value == null || !allowed.contains(value)) {
				problems.add(setting + "=" + allowed.get(0).toUpperCase(Locale.ROOT)
						+ ((value != null) ? " (not " + value.toUpperCase(Locale.ROOT) + ")" : ""));
			}
		});
		if (!given.containsKey("busy_timeout")) {
			problems.add("busy_timeout=10000");
		}
		if (!problems.isEmpty()) {
			throw new AuditStoreSettingsException("spring.datasource.url names a SQLite audit store without "
					+ String.join(", ", problems) + ": the audit trail needs each commit synced, readers beside "
					+ "its writer and transactions that wait for each other (docs/audit-trail.md); for example "
					+ "jdbc:sqlite:./data/audit.db?journal_mode=WAL&synchronous=FULL&busy_timeout=10000"
					+ "&transaction_mode=IMMEDIATE");
		}
	}

}

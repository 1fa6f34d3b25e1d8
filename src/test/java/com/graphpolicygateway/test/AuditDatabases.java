package com.graphpolicygateway.test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.jdbc.core.ColumnMapRowMapper;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.FileSystemUtils;

/**
 * Fresh audit databases with the Flyway migrations applied, on SQLite (a file in WAL
 * mode, as the embedded store runs it) and on a real PostgreSQL: a Testcontainers server
 * when Docker is available, otherwise the local server at 127.0.0.1:5432 (database
 * {@code test}, user {@code postgres}). Each PostgreSQL database is a schema of its own,
 * dropped on {@link Database#close()}. Without any PostgreSQL the test is skipped, or
 * fails when {@code CI=true}: CI must never pass without the database production runs on.
 */
public final class AuditDatabases {

	private static final String LOCAL_URL = "jdbc:postgresql://127.0.0.1:5432/test";

	private static final String LOCAL_USER = "postgres";

	private AuditDatabases() {
	}

	/** A fresh, migrated audit database on {@code engine}. */
	public static Database create(Engine engine) {
		return switch (engine) {
			case SQLITE -> sqlite();
			case POSTGRESQL -> postgresql();
		};
	}

	/**
	 * A fresh, empty schema on PostgreSQL for a whole gateway context (its Flyway
	 * migrates it), dropped when the JVM exits.
	 */
	public static Schema postgresqlSchema() {
		PostgreSqlServer server = PostgreSqlServer.get();
		String schema = "gateway_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
		DataSource admin = new DriverManagerDataSource(server.url(), server.user(), server.password());
		execute(admin, "CREATE SCHEMA " + schema);
		Runtime.getRuntime()
			.addShutdownHook(new Thread(() -> execute(admin, "DROP SCHEMA IF EXISTS " + schema + " CASCADE")));
		String separator = server.url().contains("?") ? "&" : "?";
		return new Schema(server.url() + separator + "currentSchema=" + schema, server.user(), server.password());
	}

	/**
	 * Where a gateway context finds its PostgreSQL schema.
	 *
	 * @param url the JDBC URL, naming the schema
	 * @param user the user
	 * @param password the password
	 */
	public record Schema(String url, String user, String password) {
	}

	/** SQLite in a file of its own, as the embedded store runs it; deleted on close. */
	private static Database sqlite() {
		try {
			Path directory = Files.createTempDirectory("audit-sqlite-");
			DataSource dataSource = new DriverManagerDataSource(sqliteUrl(directory.resolve("audit.db")));
			migrate(Flyway.configure().dataSource(dataSource));
			return new Database(Engine.SQLITE, dataSource, () -> FileSystemUtils.deleteRecursively(directory.toFile()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A SQLite audit store for a whole gateway context: the URL of a file in a temporary
	 * folder of its own, the same at every call, made at the first.
	 */
	public static final class SqliteFile {

		private final String prefix;

		private @Nullable Path file;

		public SqliteFile(String prefix) {
			this.prefix = prefix;
		}

		public synchronized String url() {
			if (this.file == null) {
				try {
					Path directory = Files.createTempDirectory(this.prefix);
					directory.toFile().deleteOnExit();
					this.file = directory.resolve("audit.db");
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
			return sqliteUrl(this.file);
		}

	}

	/** The URL of a SQLite audit store in {@code file}, with the gateway's settings. */
	public static String sqliteUrl(Path file) {
		return "jdbc:sqlite:" + file
				+ "?journal_mode=WAL&synchronous=FULL&busy_timeout=10000&transaction_mode=IMMEDIATE";
	}

	private static Database postgresql() {
		PostgreSqlServer server = PostgreSqlServer.get();
		String schema = "audit_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
		DataSource admin = new DriverManagerDataSource(server.url(), server.user(), server.password());
		execute(admin, "CREATE SCHEMA " + schema);
		String separator = server.url().contains("?") ? "&" : "?";
		DataSource dataSource = new DriverManagerDataSource(server.url() + separator + "currentSchema=" + schema,
				server.user(), server.password());
		try {
			migrate(Flyway.configure().dataSource(dataSource).schemas(schema));
		}
		catch (RuntimeException ex) {
			execute(admin, "DROP SCHEMA " + schema + " CASCADE");
			throw ex;
		}
		return new Database(Engine.POSTGRESQL, dataSource,
				() -> execute(admin, "DROP SCHEMA IF EXISTS " + schema + " CASCADE"));
	}

	private static void migrate(org.flywaydb.core.api.configuration.FluentConfiguration configuration) {
		configuration.locations("classpath:db/migration").load().migrate();
	}

	private static void execute(DataSource dataSource, String sql) {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run '" + sql + "'", ex);
		}
	}

	/** The databases the audit trail supports. */
	public enum Engine {

		SQLITE, POSTGRESQL

	}

	/**
	 * One migrated audit database. Its {@link #dataSource()} can be made to refuse
	 * connections, to test how the audit trail survives a database outage.
	 */
	public static final class Database implements AutoCloseable {

		private final Engine engine;

		private final OutageDataSource dataSource;

		private final JdbcTemplate jdbc;

		private final TransactionTemplate transactions;

		private final Runnable drop;

		private Database(Engine engine, DataSource dataSource, Runnable drop) {
			this.engine = engine;
			this.dataSource = new OutageDataSource(dataSource);
			this.jdbc = (engine == Engine.SQLITE) ? new SqliteJdbcTemplate(this.dataSource)
					: new JdbcTemplate(this.dataSource);
			this.transactions = new TransactionTemplate(new DataSourceTransactionManager(this.dataSource));
			this.drop = drop;
		}

		public Engine engine() {
			return this.engine;
		}

		public DataSource dataSource() {
			return this.dataSource;
		}

		/** Plain SQL on this database, as the application and a tamperer would use it. */
		public JdbcTemplate jdbc() {
			return this.jdbc;
		}

		/** Transactions on {@link #dataSource()}, as the application runs them. */
		public TransactionTemplate transactions() {
			return this.transactions;
		}

		/** From now on every new connection fails, as when the database is down. */
		public void startOutage() {
			this.dataSource.down = true;
		}

		/** Connections work again. */
		public void endOutage() {
			this.dataSource.down = false;
		}

		@Override
		public void close() {
			endOutage();
			this.drop.run();
		}

		@Override
		public String toString() {
			return this.engine.toString();
		}

	}

	/**
	 * Plain SQL on SQLite, whose driver returns a small BIGINT as an Integer: rows read
	 * as maps hold a Long there, as on PostgreSQL.
	 */
	private static final class SqliteJdbcTemplate extends JdbcTemplate {

		SqliteJdbcTemplate(DataSource dataSource) {
			super(dataSource);
		}

		@Override
		protected RowMapper<Map<String, Object>> getColumnMapRowMapper() {
			return new ColumnMapRowMapper() {
				@Override
				protected @Nullable Object getColumnValue(ResultSet rs, int index) throws SQLException {
					Object value = super.getColumnValue(rs, index);
					return (value instanceof Integer number
							&& "BIGINT".equalsIgnoreCase(rs.getMetaData().getColumnTypeName(index)))
									? Long.valueOf(number) : value;
				}
			};
		}

	}

	private static final class OutageDataSource implements DataSource {

		private final DataSource delegate;

		private volatile boolean down;

		OutageDataSource(DataSource delegate) {
			this.delegate = delegate;
		}

		@Override
		public Connection getConnection() throws SQLException {
			failWhenDown();
			return this.delegate.getConnection();
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			failWhenDown();
			return this.delegate.getConnection(username, password);
		}

		private void failWhenDown() throws SQLException {
			if (this.down) {
				throw new SQLTransientConnectionException("The audit database is down (simulated outage)", "08001");
			}
		}

		@Override
		public PrintWriter getLogWriter() throws SQLException {
			return this.delegate.getLogWriter();
		}

		@Override
		public void setLogWriter(PrintWriter out) throws SQLException {
			this.delegate.setLogWriter(out);
		}

		@Override
		public void setLoginTimeout(int seconds) throws SQLException {
			this.delegate.setLoginTimeout(seconds);
		}

		@Override
		public int getLoginTimeout() throws SQLException {
			return this.delegate.getLoginTimeout();
		}

		@Override
		public Logger getParentLogger() {
			return Logger.getLogger("com.graphpolicygateway.test");
		}

		@Override
		public <T> T unwrap(Class<T> type) throws SQLException {
			return this.delegate.unwrap(type);
		}

		@Override
		public boolean isWrapperFor(Class<?> type) throws SQLException {
			return this.delegate.isWrapperFor(type);
		}

	}

	/** Where PostgreSQL test databases live; found once per JVM. */
	private record PostgreSqlServer(String url, String user, String password) {

		private static @Nullable PostgreSqlServer server;

		private static @Nullable String unavailable;

		static synchronized PostgreSqlServer get() {
			if (server == null && unavailable == null) {
				find();
			}
			if (server != null) {
				return server;
			}
			String message = "No PostgreSQL for the audit tests: " + unavailable;
			if ("true".equalsIgnoreCase(System.getenv("CI"))) {
				return Assertions.fail(message + " (CI=true: PostgreSQL tests must run in CI)");
			}
			return Assumptions.abort(message);
		}

		/**
		 * Whether a Docker engine answers. Without one, Testcontainers logs an ERROR
		 * while it looks; the local server is the expected fallback here, so that line is
		 * kept off the build's console (a logging level in the test configuration would
		 * apply only once a Spring application has set up logging).
		 */
		private static boolean dockerAvailable() {
			ch.qos.logback.classic.Logger search = (ch.qos.logback.classic.Logger) LoggerFactory
				.getLogger("org.testcontainers.dockerclient.DockerClientProviderStrategy");
			ch.qos.logback.classic.Level level = search.getLevel();
			search.setLevel(ch.qos.logback.classic.Level.OFF);
			try {
				return DockerClientFactory.instance().isDockerAvailable();
			}
			finally {
				search.setLevel(level);
			}
		}

		private static void find() {
			String dockerProblem;
			try {
				if (dockerAvailable()) {
					server = container();
					return;
				}
				dockerProblem = "no Docker engine";
			}
			catch (RuntimeException ex) {
				dockerProblem = "Docker failed (" + ex.getMessage() + ")";
			}
			try (Connection connection = DriverManager.getConnection(LOCAL_URL + "?connectTimeout=5", LOCAL_USER, "")) {
				server = new PostgreSqlServer(LOCAL_URL, LOCAL_USER, "");
			}
			catch (SQLException ex) {
				unavailable = dockerProblem + " and no server at " + LOCAL_URL + " (" + ex.getMessage() + ")";
			}
		}

		@SuppressWarnings("resource") // Testcontainers' reaper stops it with the JVM
		private static PostgreSqlServer container() {
			PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
			container.start();
			return new PostgreSqlServer(container.getJdbcUrl(), container.getUsername(), container.getPassword());
		}

	}

}

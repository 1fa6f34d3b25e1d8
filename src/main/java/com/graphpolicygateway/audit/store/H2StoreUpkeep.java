package com.graphpolicygateway.audit.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

/**
 * Durable audit commits on H2, and an H2 file that stays proportional to the events it
 * holds.
 * <p>
 * H2 writes each commit ({@code WRITE_DELAY=0}) as a new chunk of the B-tree pages it
 * changed, but does not sync it to disk, and it reuses a chunk only once none of its
 * pages is live. The audit trail's indexes on random values (correlation id, target,
 * caller) leave a few live pages in almost every chunk, so under sustained load the file
 * grew by about 30 KB per request and nothing ever reclaimed it: H2 compacts only in a
 * background writer, which {@code WRITE_DELAY=0} turns off, and even then only chunks
 * older than its 45 s retention time. So, on H2, the writer:
 * <ul>
 * <li>syncs each commit to disk ({@code CHECKPOINT SYNC}) before acknowledging it, which
 * also makes H2's retention time unnecessary: it is set to 0, so that freed chunks are
 * reused at once;</li>
 * <li>between batches and while idle, at most every {@link #COMPACTION_INTERVAL_NANOS}
 * and while the chunks are on average less than half full, moves up to
 * {@link #COMPACTION_BYTES} of live pages out of the emptiest old chunks, which frees
 * them.</li>
 * </ul>
 */
public final class H2StoreUpkeep implements AuditStoreUpkeep {

	private static final Log logger = LogFactory.getLog(H2StoreUpkeep.class);

	/** Live bytes moved per compaction step: about 10 ms of the writer's time here. */
	static final int COMPACTION_BYTES = 1024 * 1024;

	/**
	 * Compaction steps are at least this far apart: at most 20 MB/s of live pages moved.
	 */
	static final long COMPACTION_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	/**
	 * Compaction runs while the chunks are, on average, less than this full: the file
	 * then holds its live pages about twice over at most, when compaction keeps up.
	 */
	private static final int COMPACTION_FILL_RATE = 50;

	private final JdbcTemplate jdbc;

	private final DataSource dataSource;

	private final LongSupplier nanoTime;

	private final Timer compactions;

	private long lastCompaction;

	/** Written by the writer's thread, read by metrics scrapes. */
	private volatile @Nullable MVStore store;

	private H2StoreUpkeep(JdbcTemplate jdbc, DataSource dataSource, MeterRegistry meters, LongSupplier nanoTime) {
		this.jdbc = jdbc;
		this.dataSource = dataSource;
		this.nanoTime = nanoTime;
		this.lastCompaction = nanoTime.getAsLong();
		this.compactions = Timer.builder("graph_gateway.audit.h2.compaction")
			.description("Steps compacting the embedded H2 audit file, on the audit writer's thread")
			.register(meters);
		Gauge.builder("graph_gateway.audit.h2.file.size", this, H2StoreUpkeep::fileSize)
			.description("Size of the embedded H2 audit file")
			.baseUnit("bytes")
			.register(meters);
	}

	/** Whether a JDBC URL names an H2 database (embedded file, memory or server). */
	public static boolean isH2(String jdbcUrl) {
		return jdbcUrl.regionMatches(true, 0, "jdbc:h2:", 0, "jdbc:h2:".length());
	}

	/**
	 * Sets the database's write delay and retention time as described above, whatever the
	 * URL said.
	 * @throws IllegalStateException when the database refuses them (a user without H2's
	 * admin right)
	 */
	public static H2StoreUpkeep prepare(JdbcTemplate jdbc, MeterRegistry meters) {
		return prepare(jdbc, meters, System::nanoTime);
	}

	/**
	 * As {@link #prepare(JdbcTemplate, MeterRegistry)}, with the clock that spaces
	 * compaction steps.
	 */
	static H2StoreUpkeep prepare(JdbcTemplate jdbc, MeterRegistry meters, LongSupplier nanoTime) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		Assert.notNull(meters, "meters cannot be null");
		Assert.notNull(nanoTime, "nanoTime cannot be null");
		DataSource dataSource = jdbc.getDataSource();
		Assert.notNull(dataSource, "jdbc must have a data source");
		try {
			jdbc.execute("SET WRITE_DELAY 0");
			jdbc.execute("SET RETENTION_TIME 0");
		}
		catch (DataAccessException ex) {
			throw new IllegalStateException("The H2 audit database refused SET WRITE_DELAY and SET RETENTION_TIME; "
					+ "the audit writer needs them, and CHECKPOINT SYNC, to keep its commits durable and its file "
					+ "compact: connect as a user with H2's ADMIN right (spring.datasource.username)", ex);
		}
		H2StoreUpkeep upkeep = new H2StoreUpkeep(jdbc, dataSource, meters, nanoTime);
		upkeep.store = upkeep.embeddedStore();
		if (upkeep.store == null) {
			logger.warn("Audit on H2: every commit is synced to disk before it is acknowledged, but the database is "
					+ "not embedded in this process (a server URL), so this gateway cannot compact its file");
		}
		else {
			logger.info("Audit on H2: every commit is synced to disk before it is acknowledged, and the file is "
					+ "compacted between batches");
		}
		return upkeep;
	}

	@Override
	public void afterCommit() {
		try {
			this.jdbc.execute("CHECKPOINT SYNC");
		}
		catch (DataAccessException ex) {
			// The transaction is committed but may not be on disk: the writer must treat
			// it as not written (and, for outcomes, look before writing again).
			throw new TransientDataAccessResourceException("H2 did not sync the audit commit to disk", ex);
		}
	}

	@Override
	public void afterBatch() {
		long now = this.nanoTime.getAsLong();
		if (now - this.lastCompaction < COMPACTION_INTERVAL_NANOS) {
			return;
		}
		this.lastCompaction = now;
		MVStore mvStore = openStore();
		if (mvStore == null) {
			return;
		}
		try {
			this.compactions.record(() -> mvStore.compact(COMPACTION_FILL_RATE, COMPACTION_BYTES));
		}
		catch (RuntimeException ex) {
			logger.warn("Compacting the H2 audit file failed; retrying in a moment: " + ex);
		}
	}

	/**
	 * The embedded store, found again when H2 closed it after a failure and the pool
	 * opened the file again; null when the database is not embedded in this process.
	 */
	private @Nullable MVStore openStore() {
		MVStore mvStore = this.store;
		if (mvStore != null && mvStore.isClosed()) {
			MVStore reopened = embeddedStore();
			if (reopened != null) {
				this.store = reopened;
			}
			return reopened;
		}
		return mvStore;
	}

	/**
	 * The file's size in bytes, or NaN when there is no embedded file (memory, server).
	 */
	private double fileSize() {
		MVStore mvStore = this.store;
		if (mvStore == null || mvStore.isClosed() || mvStore.getFileStore() == null) {
			return Double.NaN;
		}
		return mvStore.getFileStore().size();
	}

	private @Nullable MVStore embeddedStore() {
		try (Connection connection = this.dataSource.getConnection()) {
			if (connection.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session
					&& session.getDatabase().getStore() != null) {
				return session.getDatabase().getStore().getMvStore();
			}
			return null;
		}
		catch (SQLException | RuntimeException ex) {
			logger.warn("The embedded H2 store could not be reached to compact its file: " + ex);
			return null;
		}
	}

}

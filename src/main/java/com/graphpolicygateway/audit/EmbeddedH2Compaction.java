package com.graphpolicygateway.audit;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.db.Store;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

import com.graphpolicygateway.system.PeriodicTasks;

/**
 * Keeps an embedded H2 audit database from growing without end, on a thread of its own.
 * With {@code WRITE_DELAY=0} (each commit written before it is acknowledged, which the
 * audit trail needs) H2 runs no background writer, and so never compacts its file
 * (h2database/h2database#442): each commit writes the B-tree pages it changed as a new
 * chunk, and a chunk that keeps one live page, such as a leaf of the correlation id
 * index, is never reused. Under bench/run's full load the file grew by about 30 KB per
 * request. Every {@link #PERIOD} this does the compaction H2's background writer would:
 * it rewrites the live pages of mostly dead chunks, once they are older than H2's
 * retention time ({@code RETENTION_TIME}, 45 s by default), so that their space is
 * reused. It takes H2's store lock only when it is free, so the audit writer never waits
 * for it. It does nothing on another database, or on an H2 server reached over TCP.
 */
final class EmbeddedH2Compaction implements SmartLifecycle {

	/** How often the file is compacted. */
	static final Duration PERIOD = Duration.ofSeconds(2);

	/** Chunks are rewritten while less than this percentage of them is live. */
	static final int TARGET_FILL_RATE = 90;

	/** Bytes rewritten at least per run, when chunks are rewritten at all. */
	static final int BYTES_PER_RUN = 16 * 1024 * 1024;

	private static final Log logger = LogFactory.getLog(EmbeddedH2Compaction.class);

	private final DataSource dataSource;

	private final PeriodicTasks tasks = new PeriodicTasks("audit-h2-compaction");

	EmbeddedH2Compaction(DataSource dataSource) {
		Assert.notNull(dataSource, "dataSource cannot be null");
		this.dataSource = dataSource;
		this.tasks.every(PERIOD, PERIOD, this::compact);
	}

	/**
	 * Compacts the file if the database is an embedded H2 one; answers whether chunks
	 * were rewritten. A failure is logged, and the next run tries again.
	 */
	boolean compact() {
		try (Connection connection = this.dataSource.getConnection()) {
			MVStore store = embeddedStore(connection);
			return store != null && store.compact(TARGET_FILL_RATE, BYTES_PER_RUN);
		}
		catch (SQLException | RuntimeException ex) {
			logger.warn("Compacting the embedded H2 audit database failed: " + ex.getMessage());
			return false;
		}
	}

	private static @Nullable MVStore embeddedStore(Connection connection) throws SQLException {
		if (!connection.isWrapperFor(JdbcConnection.class)
				|| !(connection.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session)) {
			return null;
		}
		Store store = session.getDatabase().getStore();
		return (store != null) ? store.getMvStore() : null;
	}

	@Override
	public void start() {
		this.tasks.start();
	}

	@Override
	public void stop() {
		this.tasks.stop();
	}

	@Override
	public boolean isRunning() {
		return this.tasks.isRunning();
	}

}

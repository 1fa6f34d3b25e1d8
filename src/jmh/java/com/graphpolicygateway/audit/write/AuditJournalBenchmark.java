package com.graphpolicygateway.audit.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;

/**
 * What a call waits for with the audit journal: one synced append of a group of pending
 * events (serialized, checksummed, written and synced to disk), as the journal's thread
 * makes it, followed by the writer counting them as in the database (which deletes full
 * segments). The journal lives under {@code java.io.tmpdir}, so the score includes that
 * disk's sync; it is wall time per append.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
public class AuditJournalBenchmark {

	/** Pending events per append: one call alone, or the calls of a busy moment. */
	@Param({ "1", "16", "64" })
	public int batchSize;

	private Path directory;

	private AuditJournal journal;

	private List<AuditEvent> events;

	@Setup(Level.Trial)
	public void openJournal() throws IOException {
		this.directory = Files.createTempDirectory("audit-journal-bench");
		this.journal = new AuditJournal(this.directory, UUID.randomUUID().toString(), JsonMapper.builder().build());
		this.events = new ArrayList<>();
		for (int i = 0; i < this.batchSize; i++) {
			this.events.add(TestAuditEvents.pending()
				.properties(new AuditEvent.ModifiedProperty("displayName", null, "Adele Vance"),
						new AuditEvent.ModifiedProperty("department", null, "Retail"))
				.build());
		}
	}

	@Benchmark
	public long appendAndSync() {
		long segment = this.journal.append(this.events);
		this.journal.written(segment, this.events.size());
		return segment;
	}

	@TearDown(Level.Trial)
	public void deleteJournal() throws IOException {
		this.journal.close();
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted((a, b) -> b.compareTo(a)).forEach((file) -> file.toFile().delete());
		}
	}

}

package com.graphpolicygateway.audit.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.FileSystemUtils;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link AuditJournal}: what one process appends, the next one reads back, up
 * to a record a crash cut short, and a segment goes once its events are in the database.
 */
class AuditJournalTests {

	@TempDir
	Path directory;

	private final String writerId = UUID.randomUUID().toString();

	@Test
	void directoryForWhenEmbeddedH2FileThenNextToTheDatabaseFile() {
		assertThat(AuditJournal.directoryFor("jdbc:h2:file:./data/audit;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=2048"))
			.contains(Path.of("./data/audit.journal"));
		assertThat(AuditJournal.directoryFor("jdbc:h2:FILE:/var/lib/gateway/audit"))
			.contains(Path.of("/var/lib/gateway/audit.journal"));
		assertThat(AuditJournal.directoryFor("jdbc:h2:./data/audit")).contains(Path.of("./data/audit.journal"));
		assertThat(AuditJournal.directoryFor("jdbc:h2:~/audit"))
			.contains(Path.of(System.getProperty("user.home") + "/audit.journal"));
	}

	@Test
	void directoryForWhenNotAnEmbeddedH2FileThenNone() {
		assertThat(AuditJournal.directoryFor("jdbc:h2:mem:audit;DB_CLOSE_DELAY=-1")).isEmpty();
		assertThat(AuditJournal.directoryFor("jdbc:h2:tcp://localhost/~/audit")).isEmpty();
		assertThat(AuditJournal.directoryFor("jdbc:h2:ssl://localhost/audit")).isEmpty();
		assertThat(AuditJournal.directoryFor("jdbc:postgresql://127.0.0.1:5432/audit")).isEmpty();
		assertThat(AuditJournal.directoryFor("")).isEmpty();
	}

	@Test
	void appendThenTheNextProcessRecoversEveryEventAsWritten() {
		AuditEvent first = TestAuditEvents.pending().build();
		AuditEvent unusual = TestAuditEvents.pending()
			.correlationId(null)
			.tenantId(null)
			.traceId(null)
			.properties(new AuditEvent.ModifiedProperty("displayName", null, "Adèle \uD83D\uDE00 \"Vance\"\n"))
			.build();
		AuditJournal journal = journal();
		journal.append(List.of(first));
		journal.append(List.of(unusual));
		journal.close();

		List<AuditJournal.Recovered> recovered = nextProcess().recover();

		assertThat(recovered).singleElement().satisfies((segment) -> {
			assertThat(segment.writerId()).isEqualTo(this.writerId);
			assertThat(segment.events()).containsExactly(first, unusual);
		});
	}

	@Test
	void appendWhenEventCarriesABeforeImageThenRecoveredWithIt() {
		AuditEvent captured = TestAuditEvents.succeeded(TestAuditEvents.pending().build())
			.withBeforeImage(List.of(new AuditEvent.ModifiedProperty("displayName", "Adele V.", "Adele Vance")),
					new AuditEvent.BeforeImage(AuditEvent.BeforeImage.CAPTURED, null, 9L));
		AuditJournal journal = journal();
		journal.append(List.of(captured));
		journal.close();

		assertThat(nextProcess().recover()).singleElement()
			.satisfies((segment) -> assertThat(segment.events()).containsExactly(captured));
	}

	@Test
	void recoverNeverReturnsTheProcessesOwnSegments() {
		AuditJournal journal = journal();
		journal.append(List.of(TestAuditEvents.pending().build()));

		assertThat(journal.recover()).isEmpty();
	}

	@Test
	void recoverWhenTheProcessThatWroteTheSegmentsStillRunsThenLeavesThemAlone() throws IOException {
		AuditJournal running = journal();
		running.append(List.of(TestAuditEvents.pending().build()));
		AuditJournal next = nextProcess();

		assertThat(next.recover()).isEmpty();
		assertThat(segments()).hasSize(1);
		running.close();
		assertThat(next.recover()).hasSize(1);
	}

	@Test
	void recoverWhenAStoppedProcessLeftOnlyItsLockThenTheLockIsDeleted() throws IOException {
		// A process killed before it journaled anything.
		Files.createFile(this.directory.resolve(UUID.randomUUID() + ".lock"));
		String next = UUID.randomUUID().toString();

		assertThat(new AuditJournal(this.directory, next, JsonMapper.builder().build()).recover()).isEmpty();

		try (Stream<Path> files = Files.list(this.directory)) {
			assertThat(files.map((file) -> file.getFileName().toString())).containsExactly(next + ".lock");
		}
	}

	@Test
	void recoverWhenTheLastRecordWasCutShortThenTheEventsBeforeItAreRecovered() throws IOException {
		AuditEvent kept = TestAuditEvents.pending().build();
		AuditJournal journal = journal();
		journal.append(List.of(kept));
		journal.append(List.of(TestAuditEvents.pending().build()));
		journal.close();
		Path segment = onlySegment();
		try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
			file.setLength(file.length() - 5);
		}

		assertThat(nextProcess().recover()).singleElement()
			.satisfies((recovered) -> assertThat(recovered.events()).containsExactly(kept));
	}

	@Test
	void recoverWhenARecordIsDamagedThenReadingStopsBeforeIt() throws IOException {
		AuditEvent kept = TestAuditEvents.pending().build();
		AuditJournal journal = journal();
		journal.append(List.of(kept));
		long damagedAt = Files.size(onlySegment()) + 20;
		journal.append(List.of(TestAuditEvents.pending().build(), TestAuditEvents.pending().build()));
		journal.close();
		try (RandomAccessFile file = new RandomAccessFile(onlySegment().toFile(), "rw")) {
			file.seek(damagedAt);
			int b = file.read();
			file.seek(damagedAt);
			file.write(b ^ 0x20);
		}

		assertThat(nextProcess().recover()).singleElement()
			.satisfies((recovered) -> assertThat(recovered.events()).containsExactly(kept));
	}

	@Test
	void writtenWhenEveryEventOfAClosedSegmentIsInTheDatabaseThenTheSegmentIsDeleted() throws IOException {
		// Segments of one record each: every append closes its segment.
		AuditJournal journal = new AuditJournal(this.directory, this.writerId, JsonMapper.builder().build(), 1);
		long first = journal.append(List.of(TestAuditEvents.pending().build(), TestAuditEvents.pending().build()));
		long second = journal.append(List.of(TestAuditEvents.pending().build()));
		assertThat(segments()).hasSize(2);

		journal.written(first, 1);
		assertThat(segments()).hasSize(2);
		journal.written(first, 1);
		assertThat(segments()).hasSize(1);
		journal.written(second, 1);

		assertThat(segments()).isEmpty();
		assertThat(journal.outstanding()).isZero();
	}

	@Test
	void closeWhenEventsAreNotInTheDatabaseThenTheirSegmentStaysForTheNextProcess() throws IOException {
		AuditJournal journal = journal();
		AuditEvent written = TestAuditEvents.pending().build();
		AuditEvent notWritten = TestAuditEvents.pending().build();
		long segment = journal.append(List.of(written, notWritten));
		journal.written(segment, 1);

		journal.close();

		assertThat(segments()).hasSize(1);
		assertThat(nextProcess().recover()).singleElement()
			.satisfies((recovered) -> assertThat(recovered.events()).contains(notWritten));
	}

	@Test
	void closeWhenEveryEventIsInTheDatabaseThenNoSegmentStays() throws IOException {
		AuditJournal journal = journal();
		long segment = journal.append(List.of(TestAuditEvents.pending().build()));
		journal.written(segment, 1);

		journal.close();

		assertThat(segments()).isEmpty();
	}

	@Test
	void discardDeletesTheRecoveredSegment() throws IOException {
		AuditJournal stopped = journal();
		stopped.append(List.of(TestAuditEvents.pending().build()));
		stopped.close();
		AuditJournal next = nextProcess();

		next.recover().forEach(next::discard);

		assertThat(segments()).isEmpty();
		assertThat(this.directory.resolve(this.writerId + ".lock")).doesNotExist();
	}

	@Test
	void appendWhenTheDirectoryIsGoneThenFailsAndCountsNothingOutstanding() throws IOException {
		Path gone = this.directory.resolve("gone.journal");
		AuditJournal journal = new AuditJournal(gone, this.writerId, JsonMapper.builder().build());
		FileSystemUtils.deleteRecursively(gone); // its lock file with it

		assertThatExceptionOfType(UncheckedIOException.class)
			.isThrownBy(() -> journal.append(List.of(TestAuditEvents.pending().build())))
			.withMessageContaining("could not write and sync 1 events");
		assertThat(journal.outstanding()).isZero();
	}

	private AuditJournal journal() {
		return new AuditJournal(this.directory, this.writerId, JsonMapper.builder().build());
	}

	private AuditJournal nextProcess() {
		return new AuditJournal(this.directory, UUID.randomUUID().toString(), JsonMapper.builder().build());
	}

	private Path onlySegment() throws IOException {
		List<Path> segments = segments();
		assertThat(segments).hasSize(1);
		return segments.get(0);
	}

	private List<Path> segments() throws IOException {
		try (Stream<Path> files = Files.list(this.directory)) {
			return files.filter((file) -> file.toString().endsWith(".journal")).sorted().toList();
		}
	}

}

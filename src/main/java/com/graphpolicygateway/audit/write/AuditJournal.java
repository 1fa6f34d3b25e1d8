package com.graphpolicygateway.audit.write;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.store.H2StoreUpkeep;

/**
 * The write-ahead journal of pending audit events on an embedded H2 file: append-only
 * segment files of checksummed records next to the database file, each append synced to
 * disk before its events are acknowledged. A call may then be forwarded as soon as its
 * pending event is in the journal, without waiting for the database to commit it and its
 * indexes; the audit writer brings the events into the database afterwards, most of them
 * together with their outcome in one insert. A segment is deleted once every event in it
 * is in the database; the segments a stopped process left are read back at the next start
 * ({@link #recover()}), so that no journaled event is lost.
 * <p>
 * One process appends to its own segments (named after its writer id), from one thread;
 * {@link #written} may be called from another. While it runs, the process holds a lock on
 * a file of its own in the directory, so that another process sharing the directory (H2's
 * {@code AUTO_SERVER} mode) never takes its segments for a stopped process's.
 */
public final class AuditJournal {

	private static final Log logger = LogFactory.getLog(AuditJournal.class);

	private static final String SUFFIX = ".journal";

	private static final String LOCK_SUFFIX = ".lock";

	/** A segment is closed and a new one started past this size. */
	static final long SEGMENT_BYTES = 8L * 1024 * 1024;

	/** Longest record accepted when reading back: larger lengths are a torn write. */
	private static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

	private final Path directory;

	private final String writerId;

	private final JsonMapper json;

	private final long segmentBytes;

	/** Events appended to each segment of this process and not yet in the database. */
	private final Map<Long, Segment> segments = new ConcurrentHashMap<>();

	private long current;

	private @Nullable FileChannel channel;

	private long position;

	/** This process's lock: held from construction to {@link #close()}. */
	private final FileLock lock;

	/**
	 * A journal of the process with {@code writerId} in {@code directory}, created when
	 * missing.
	 */
	public AuditJournal(Path directory, String writerId, JsonMapper json) {
		this(directory, writerId, json, SEGMENT_BYTES);
	}

	AuditJournal(Path directory, String writerId, JsonMapper json, long segmentBytes) {
		Assert.notNull(directory, "directory cannot be null");
		Assert.hasText(writerId, "writerId cannot be empty");
		Assert.notNull(json, "json cannot be null");
		Assert.isTrue(segmentBytes > 0, "segmentBytes must be positive");
		this.directory = directory;
		this.writerId = writerId;
		this.json = json;
		this.segmentBytes = segmentBytes;
		try {
			Files.createDirectories(directory);
			FileChannel lockFile = FileChannel.open(lockFile(writerId), StandardOpenOption.CREATE,
					StandardOpenOption.WRITE);
			this.lock = lockFile.lock();
		}
		catch (IOException ex) {
			throw new IllegalStateException("The audit journal directory " + directory
					+ " cannot be created or written; the gateway needs it next to its H2 audit file", ex);
		}
	}

	/**
	 * The journal directory of a JDBC URL that names an embedded H2 file database
	 * ({@code jdbc:h2:file:PATH} or {@code jdbc:h2:PATH}): {@code PATH.journal}, next to
	 * the database file; empty for any other database (memory, server, PostgreSQL).
	 */
	public static Optional<Path> directoryFor(String jdbcUrl) {
		if (!H2StoreUpkeep.isH2(jdbcUrl)) {
			return Optional.empty();
		}
		String rest = jdbcUrl.substring("jdbc:h2:".length());
		int settings = rest.indexOf(';');
		String name = (settings >= 0) ? rest.substring(0, settings) : rest;
		String lower = name.toLowerCase(Locale.ROOT);
		if (lower.startsWith("file:")) {
			name = name.substring("file:".length());
		}
		else if (lower.matches("^[a-z0-9]{2,}:.*")) {
			return Optional.empty(); // mem:, tcp:, ssl:, zip:, nio..., async:
		}
		if (name.isBlank()) {
			return Optional.empty();
		}
		if (name.equals("~") || name.startsWith("~/")) {
			name = System.getProperty("user.home") + name.substring(1);
		}
		return Optional.of(Path.of(name + SUFFIX));
	}

	public Path directory() {
		return this.directory;
	}

	/**
	 * Appends pending events and syncs them to disk; from one thread only.
	 * @return the segment they were written to, for {@link #written}
	 * @throws UncheckedIOException when they could not be written and synced
	 */
	long append(List<AuditEvent> events) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(events.size() * 1024);
		for (AuditEvent event : events) {
			byte[] payload = this.json.writeValueAsBytes(event);
			CRC32C crc = new CRC32C();
			crc.update(payload);
			ByteBuffer header = ByteBuffer.allocate(8).putInt(payload.length).putInt((int) crc.getValue());
			bytes.write(header.array(), 0, 8);
			bytes.write(payload, 0, payload.length);
		}
		Segment counts = null;
		try {
			FileChannel segment = openSegment();
			counts = this.segments.get(this.current);
			// Counted before the events can be handed on, so that written() never
			// finds the segment empty too early.
			counts.outstanding.addAndGet(events.size());
			ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray());
			while (buffer.hasRemaining()) {
				this.position += segment.write(buffer, this.position);
			}
			segment.force(false);
			long written = this.current;
			if (this.position >= this.segmentBytes) {
				closeSegment();
			}
			return written;
		}
		catch (IOException ex) {
			// The segment may end in a torn record now: close it, so that the next
			// append starts a new one (reading back stops at the torn record).
			if (counts != null) {
				counts.outstanding.addAndGet(-events.size());
			}
			closeSegment();
			throw new UncheckedIOException("The audit journal could not write and sync " + events.size() + " events",
					ex);
		}
	}

	/**
	 * Counts {@code count} events of {@code segment} as in the database; a closed segment
	 * whose events all are is deleted.
	 */
	void written(long segment, int count) {
		Segment counts = this.segments.get(segment);
		if (counts != null && counts.outstanding.addAndGet(-count) <= 0 && counts.closed) {
			delete(segment, counts);
		}
	}

	/** Events appended by this process and not yet counted as in the database. */
	int outstanding() {
		return this.segments.values().stream().mapToInt((segment) -> segment.outstanding.get()).sum();
	}

	/**
	 * Closes the current segment and deletes this process's segments whose events are all
	 * in the database; the others stay for {@link #recover()} at the next start.
	 */
	void close() {
		closeSegment();
		this.segments.forEach((number, counts) -> {
			if (counts.outstanding.get() <= 0) {
				delete(number, counts);
			}
		});
		try (FileChannel lockFile = this.lock.channel()) {
			this.lock.release();
			if (this.segments.isEmpty()) {
				Files.deleteIfExists(lockFile(this.writerId));
			}
		}
		catch (IOException ex) {
			logger.warn("Releasing the audit journal's lock failed: " + ex);
		}
	}

	/**
	 * The events in the segments that stopped processes left (never this process's own,
	 * nor those of a process that still holds its lock), by writer, oldest segment first;
	 * a segment ending in a torn or damaged record is read up to it.
	 */
	List<Recovered> recover() {
		List<Path> files = new ArrayList<>();
		try (DirectoryStream<Path> listing = Files.newDirectoryStream(this.directory, "*" + SUFFIX)) {
			listing.forEach(files::add);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The audit journal directory " + this.directory + " cannot be read", ex);
		}
		files.sort(null);
		List<Recovered> recovered = new ArrayList<>();
		for (Path file : files) {
			String writer = writerOf(file);
			if (writer.isEmpty() || writer.equals(this.writerId) || isRunning(writer)) {
				continue;
			}
			recovered.add(new Recovered(writer, file, read(file)));
		}
		deleteLocksWithoutSegments(files.stream().map(AuditJournal::writerOf).collect(Collectors.toSet()));
		return recovered;
	}

	/** The writer id a segment's name begins with ({@code WRITER-NUMBER.journal}). */
	private static String writerOf(Path segment) {
		String name = segment.getFileName().toString();
		int dash = name.lastIndexOf('-');
		return (dash > 0) ? name.substring(0, dash) : "";
	}

	/** Stopped processes that never journaled anything leave only their lock file. */
	private void deleteLocksWithoutSegments(Set<String> writersWithSegments) {
		try (DirectoryStream<Path> locks = Files.newDirectoryStream(this.directory, "*" + LOCK_SUFFIX)) {
			for (Path lockFile : locks) {
				String name = lockFile.getFileName().toString();
				String writer = name.substring(0, name.length() - LOCK_SUFFIX.length());
				if (!writer.equals(this.writerId) && !writersWithSegments.contains(writer) && !isRunning(writer)) {
					Files.deleteIfExists(lockFile);
				}
			}
		}
		catch (IOException ex) {
			logger.warn("Stopped processes' audit journal locks could not be deleted: " + ex);
		}
	}

	/** Whether the process that wrote {@code writer}'s segments still holds its lock. */
	private boolean isRunning(String writer) {
		Path lockFile = lockFile(writer);
		if (!Files.exists(lockFile)) {
			return false;
		}
		try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
			FileLock held = channel.tryLock();
			if (held == null) {
				return true;
			}
			held.release();
			return false;
		}
		catch (OverlappingFileLockException ex) {
			return true; // held by this very JVM
		}
		catch (NoSuchFileException ex) {
			return false;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The audit journal lock " + lockFile + " cannot be read", ex);
		}
	}

	/**
	 * Deletes a segment whose events are now in the database, and the stopped process's
	 * lock file with its last segment.
	 */
	void discard(Recovered recovered) {
		try {
			Files.deleteIfExists(recovered.file());
			try (DirectoryStream<Path> left = Files.newDirectoryStream(this.directory,
					recovered.writerId() + "-*" + SUFFIX)) {
				if (!left.iterator().hasNext()) {
					Files.deleteIfExists(lockFile(recovered.writerId()));
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The recovered audit journal " + recovered.file() + " cannot be deleted",
					ex);
		}
	}

	private List<AuditEvent> read(Path file) {
		List<AuditEvent> events = new ArrayList<>();
		try (InputStream in = Files.newInputStream(file);
				DataInputStream data = new DataInputStream(new BufferedInputStream(in))) {
			while (true) {
				int length;
				try {
					length = data.readInt();
				}
				catch (EOFException end) {
					return events;
				}
				int checksum = data.readInt();
				if (length <= 0 || length > MAX_RECORD_BYTES) {
					throw new EOFException("record length " + length);
				}
				byte[] payload = data.readNBytes(length);
				CRC32C crc = new CRC32C();
				crc.update(payload);
				if (payload.length != length || (int) crc.getValue() != checksum) {
					throw new EOFException("record checksum");
				}
				events.add(this.json.readValue(payload, AuditEvent.class));
			}
		}
		catch (EOFException | JacksonException ex) {
			logger.warn("The audit journal " + file.getFileName() + " ends in a torn or damaged record after "
					+ events.size() + " events (a write cut short by a crash): the events before it are recovered");
			return events;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The audit journal " + file + " cannot be read", ex);
		}
	}

	private FileChannel openSegment() throws IOException {
		FileChannel open = this.channel;
		if (open != null) {
			return open;
		}
		this.current++;
		Path file = segmentFile(this.current);
		open = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
		syncDirectory();
		this.channel = open;
		this.position = 0;
		this.segments.put(this.current, new Segment());
		return open;
	}

	private void closeSegment() {
		closeQuietly();
		Segment counts = this.segments.get(this.current);
		if (counts != null) {
			counts.closed = true;
			if (counts.outstanding.get() <= 0) {
				delete(this.current, counts);
			}
		}
	}

	private void closeQuietly() {
		FileChannel open = this.channel;
		this.channel = null;
		if (open != null) {
			try {
				open.close();
			}
			catch (IOException ex) {
				logger.warn("Closing an audit journal segment failed: " + ex);
			}
		}
	}

	private void delete(long number, Segment counts) {
		if (!counts.deleted.compareAndSet(false, true)) {
			return;
		}
		this.segments.remove(number);
		try {
			Files.deleteIfExists(segmentFile(number));
		}
		catch (IOException ex) {
			logger.warn("An audit journal segment whose events are all in the database could not be deleted "
					+ "(it is read back, and skipped, at the next start): " + ex);
		}
	}

	/** Makes a new segment's name durable, so that a crash cannot lose the file. */
	private void syncDirectory() {
		try (FileChannel dir = FileChannel.open(this.directory, StandardOpenOption.READ)) {
			dir.force(true);
		}
		catch (IOException ex) {
			// Some file systems cannot sync a directory; the data itself is still synced.
		}
	}

	private Path lockFile(String writer) {
		return this.directory.resolve(writer + LOCK_SUFFIX);
	}

	private Path segmentFile(long number) {
		return this.directory.resolve(this.writerId + "-" + String.format(Locale.ROOT, "%012d", number) + SUFFIX);
	}

	/** The events of one segment an earlier process left. */
	record Recovered(String writerId, Path file, List<AuditEvent> events) {
	}

	/** How many of a segment's events are not yet in the database. */
	private static final class Segment {

		final AtomicInteger outstanding = new AtomicInteger();

		volatile boolean closed;

		final AtomicBoolean deleted = new AtomicBoolean();

	}

}

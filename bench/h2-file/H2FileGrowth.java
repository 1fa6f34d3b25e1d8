import java.nio.file.*;
import java.sql.*;
import java.util.*;
import org.h2.jdbc.JdbcConnection;
import org.h2.engine.SessionLocal;
import org.h2.mvstore.MVStore;

/**
 * How the embedded H2 audit file grows under the audit writer's pattern of commits, without the
 * gateway: each commit inserts BATCH pending events (random event, correlation and target ids,
 * callers from pools) and closes the BATCH events of the commit before, as the writer does.
 * Prints every 5 s the events written, events/s, the file's size, H2's fill rates and the
 * writer loop's p50/p99/max per commit.
 *
 * Run from the repository root (the schema is read from src/main/resources/db/migration):
 *   java -cp ~/.m2/repository/com/h2database/h2/2.4.240/h2-2.4.240.jar bench/h2-file/H2FileGrowth.java \
 *       DIR URL_SUFFIX COMPACT_EVERY_MS COMPACT_KB none|commit|sync SECONDS BATCH [v7]
 * URL_SUFFIX: H2 settings appended to the URL, e.g. ";WRITE_DELAY=0;RETENTION_TIME=0".
 * COMPACT_EVERY_MS / COMPACT_KB: MVStore.compact(90, COMPACT_KB) between commits (0: never).
 * none|commit|sync: after each commit nothing, MVStore.commit(), or commit and fsync.
 * v7 ("true"): time-ordered event ids instead of random ones. EXTRA_SQL (environment): statements
 * run after the schema, separated by ";" (e.g. DROP INDEX ...).
 */
public class H2FileGrowth {
  public static void main(String[] a) throws Exception {
    String dir = a[0]; String opts = a[1]; long compactEveryMs = Long.parseLong(a[2]); int compactMb = Integer.parseInt(a[3]);
    String checkpoint = a[4]; int seconds = Integer.parseInt(a[5]); int batch = Integer.parseInt(a[6]);
    boolean v7 = a.length > 7 && Boolean.parseBoolean(a[7]);
    Files.createDirectories(Path.of(dir));
    String url = "jdbc:h2:file:" + dir + "/audit;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=2048" + opts;
    Connection c = DriverManager.getConnection(url, "sa", "");
    String schema = Files.readString(Path.of("src/main/resources/db/migration/V1__audit_trail.sql")) + Files.readString(Path.of("src/main/resources/db/migration/V2__audit_query_indexes.sql"));
    try (Statement s = c.createStatement()) { for (String sql : schema.replaceAll("--[^\n]*", "").split(";")) if (sql.replaceAll("--.*", "").isBlank()) continue; else s.execute(sql); }
    if (System.getenv("EXTRA_SQL") != null) try (Statement s = c.createStatement()) { for (String sql : System.getenv("EXTRA_SQL").split(";")) s.execute(sql); }
    c.setAutoCommit(false);
    String chain = UUID.randomUUID().toString();
    try (PreparedStatement p = c.prepareStatement("INSERT INTO audit_chain VALUES (?, CURRENT_TIMESTAMP, 1, 'x', 0, 'x')")) { p.setString(1, chain); p.execute(); }
    c.commit();
    MVStore mv = ((SessionLocal) c.unwrap(JdbcConnection.class).getSession()).getDatabase().getStore().getMvStore();
    PreparedStatement ins = c.prepareStatement("INSERT INTO audit_event (id, activity_date_time, activity, activity_operation_type, activity_result, category, correlation_id, actor_type, actor_user_id, actor_user_principal_name, actor_application_id, actor_ip_address, actor_permissions, tenant_id, target_user_id, modified_properties, decision, reason, policy_version, upstream_status, graph_request_id, latency_ms, trace_id, writer_id, chain_id, chain_seq, previous_hash, hash) VALUES (?,CURRENT_TIMESTAMP,'Update user','Patch','pending','UserManagement',?,'User',?,?,?,'127.0.0.1','DeviceManagementApps.ReadWrite.All',?,?,'[{\"name\":\"displayName\",\"newValue\":\"x\"}]','allow','allowed','v1',NULL,NULL,NULL,?,?,NULL,NULL,NULL,NULL)");
    PreparedStatement upd = c.prepareStatement("UPDATE audit_event SET activity_result = 'success', decision='allow', reason='allowed', upstream_status=204, graph_request_id=?, latency_ms=3, chain_id=?, chain_seq=?, previous_hash=?, hash=? WHERE id = ? AND chain_id IS NULL AND writer_id = ?");
    PreparedStatement head = c.prepareStatement("UPDATE audit_chain SET last_seq = ?, last_hash = ? WHERE chain_id = ?");
    Random r = new Random(1); String writer = UUID.randomUUID().toString();
    ArrayDeque<String> open = new ArrayDeque<>(); long seq = 0; long commits = 0, events = 0;
    long start = System.nanoTime(), lastCompact = start, lastSample = start; int compacted = 0;
    long t0 = System.currentTimeMillis(); long counter = 0; long[] lat = new long[1<<20]; int nl = 0;
    while (System.nanoTime() - start < seconds * 1_000_000_000L) {
      long it0 = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        String id = v7 ? new UUID((System.currentTimeMillis() << 16) | (counter++ & 0xffff), r.nextLong()).toString() : UUID.randomUUID().toString();
        ins.setString(1, id); ins.setString(2, UUID.randomUUID().toString()); ins.setString(3, "user-" + r.nextInt(1000)); ins.setString(4, "u" + r.nextInt(1000) + "@contoso.com");
        ins.setString(5, "app-" + r.nextInt(10)); ins.setString(6, "tenant-" + r.nextInt(3)); ins.setString(7, UUID.randomUUID().toString()); ins.setString(8, Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong())); ins.setString(9, writer); ins.addBatch(); ids.add(id);
      }
      ins.executeBatch();
      int n = 0;
      while (!open.isEmpty() && n < batch) { String id = open.poll(); seq++;
        upd.setString(1, UUID.randomUUID().toString()); upd.setString(2, chain); upd.setLong(3, seq); upd.setString(4, "a".repeat(64)); upd.setString(5, "b".repeat(64)); upd.setString(6, id); upd.setString(7, writer); upd.addBatch(); n++; }
      if (n > 0) upd.executeBatch();
      head.setLong(1, seq); head.setString(2, "c".repeat(64)); head.setString(3, chain); head.execute();
      c.commit(); commits++; events += batch; open.addAll(ids);
      if (!checkpoint.equals("none")) mv.commit(); if (checkpoint.equals("sync")) mv.sync();
      long now = System.nanoTime();
      if (compactEveryMs > 0 && now - lastCompact > compactEveryMs * 1_000_000L) { lastCompact = now; if (mv.compact(90, compactMb << 10)) compacted++; }
      lat[nl++ & ((1<<20)-1)] = System.nanoTime() - it0;
      if (now - lastSample > 5_000_000_000L) { lastSample = now; long[] w = java.util.Arrays.copyOf(lat, Math.min(nl, 1<<20)); java.util.Arrays.sort(w); System.out.printf("  iter p50=%.2fms p99=%.2fms max=%.2fms ", w[w.length/2]/1e6, w[(int)(w.length*0.99)]/1e6, w[w.length-1]/1e6); nl = 0;
        System.out.printf("t=%3ds commits=%d events=%d ev/s=%d file=%dMB fill=%d chunksFill=%d compacted=%d%n", (now - start) / 1_000_000_000L, commits, events, events * 1_000_000_000L / (now - start),
          Files.size(Path.of(dir, "audit.mv.db")) >> 20, mv.getFileStore().getFillRate(), mv.getFileStore().getChunksFillRate(), compacted); }
    }
    c.close();
    System.out.printf("closed file=%dMB%n", Files.size(Path.of(dir, "audit.mv.db")) >> 20);
  }
}

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs SQL on a SQLite audit store through the JDBC driver the gateway bundles, for
 * bench/audit-query/run: the sqlite3 command is an older SQLite built without STAT4, so its
 * ANALYZE and its plans are not the gateway's. Launched as a single source file:
 * {@code java -cp sqlite-jdbc.jar SqliteQuery.java DB < commands}.
 *
 * <p>
 * Each line of standard input is one command, its fields separated by tabs: the mode, the SQL
 * (numbered parameters ?1, ?2, ...) and the parameters (digits only: an integer, else text).
 * Modes:
 * <ul>
 * <li>{@code exec}: runs it, prints nothing;</li>
 * <li>{@code row}: prints the first row, its columns separated by |;</li>
 * <li>{@code time}: runs it 20 times reading every row, prints "median max" in ms;</li>
 * <li>{@code plan}: prints EXPLAIN QUERY PLAN of it on one line, steps separated by "; ", a
 * step's children after " > ";</li>
 * <li>{@code tree}: prints EXPLAIN QUERY PLAN of it as SQLite's shell shows it.</li>
 * </ul>
 */
public final class SqliteQuery {

	private SqliteQuery() {
	}

	public static void main(String[] args) throws Exception {
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + args[0]);
				BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
			String line;
			while ((line = in.readLine()) != null) {
				if (line.isBlank()) {
					continue;
				}
				String[] fields = line.split("\t", -1);
				List<String> parameters = Arrays.asList(fields).subList(2, fields.length);
				switch (fields[0]) {
					case "exec" -> execute(connection, fields[1], parameters);
					case "row" -> System.out.println(row(connection, fields[1], parameters));
					case "time" -> System.out.println(time(connection, fields[1], parameters));
					case "plan" -> System.out.println(plan(connection, fields[1], parameters, false));
					case "tree" -> System.out.print(plan(connection, fields[1], parameters, true));
					default -> throw new IllegalArgumentException("unknown mode " + fields[0]);
				}
			}
		}
	}

	private static PreparedStatement prepare(Connection connection, String sql, List<String> parameters)
			throws SQLException {
		PreparedStatement statement = connection.prepareStatement(sql);
		for (int i = 0; i < parameters.size(); i++) {
			String value = parameters.get(i);
			if (value.matches("[0-9]{1,18}")) {
				statement.setLong(i + 1, Long.parseLong(value));
			}
			else {
				statement.setString(i + 1, value);
			}
		}
		return statement;
	}

	private static void execute(Connection connection, String sql, List<String> parameters) throws SQLException {
		try (PreparedStatement statement = prepare(connection, sql, parameters)) {
			statement.execute();
		}
	}

	private static String row(Connection connection, String sql, List<String> parameters) throws SQLException {
		try (PreparedStatement statement = prepare(connection, sql, parameters);
				ResultSet rs = statement.executeQuery()) {
			if (!rs.next()) {
				return "";
			}
			List<String> columns = new ArrayList<>();
			for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
				columns.add(String.valueOf(rs.getString(i)));
			}
			return String.join("|", columns);
		}
	}

	private static String time(Connection connection, String sql, List<String> parameters) throws SQLException {
		double[] ms = new double[20];
		for (int run = 0; run < ms.length; run++) {
			long start = System.nanoTime();
			try (PreparedStatement statement = prepare(connection, sql, parameters);
					ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					rs.getString(1);
				}
			}
			ms[run] = (System.nanoTime() - start) / 1e6;
		}
		Arrays.sort(ms);
		return String.format("%.1f %.1f", ms[ms.length / 2], ms[ms.length - 1]);
	}

	private static String plan(Connection connection, String sql, List<String> parameters, boolean tree)
			throws SQLException {
		Map<Integer, String> details = new LinkedHashMap<>();
		Map<Integer, Integer> parents = new LinkedHashMap<>();
		try (PreparedStatement statement = prepare(connection, "EXPLAIN QUERY PLAN " + sql, parameters);
				ResultSet rs = statement.executeQuery()) {
			while (rs.next()) {
				details.put(rs.getInt("id"), rs.getString("detail"));
				parents.put(rs.getInt("id"), rs.getInt("parent"));
			}
		}
		StringBuilder out = new StringBuilder();
		if (tree) {
			out.append("QUERY PLAN\n");
		}
		details.forEach((id, detail) -> {
			int depth = 0;
			for (Integer parent = parents.get(id); parent != null && parent != 0; parent = parents.get(parent)) {
				depth++;
			}
			if (tree) {
				out.append("  ".repeat(depth)).append("|--").append(detail).append('\n');
			}
			else {
				out.append(out.isEmpty() ? "" : (depth > 0) ? " > " : "; ").append(detail);
			}
		});
		return out.toString();
	}

}

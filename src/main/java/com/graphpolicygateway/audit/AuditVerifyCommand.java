package com.graphpolicygateway.audit;

import java.io.PrintStream;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The jar's command-line mode {@code --verify-audit}: connects to the configured audit
 * database (same {@code spring.datasource.*} as the gateway), walks the hash chains,
 * prints the report and exits 0 when intact, 1 when a link is broken, 2 when the check
 * could not run.
 */
public final class AuditVerifyCommand {

	/** The argument that selects this mode. */
	public static final String ARGUMENT = "--verify-audit";

	private AuditVerifyCommand() {
	}

	/** Runs the check and returns the process exit code. */
	public static int run(String[] args, PrintStream out) {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Database.class)
			.web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.run(args)) {
			AuditVerification report = new AuditChainVerifier(context.getBean(JdbcTemplate.class)).verify();
			if (report.intact()) {
				out.println("Audit trail intact: " + report.eventsChecked() + " events in " + report.chains()
						+ " chains verified.");
				return 0;
			}
			AuditVerification.BrokenLink link = report.firstBrokenLink();
			out.println("Audit trail BROKEN after " + report.eventsChecked() + " verified events: " + link);
			return 1;
		}
		catch (RuntimeException ex) {
			out.println("Audit trail could not be verified: " + ex.getMessage());
			return 2;
		}
	}

	/**
	 * Just the audit database: no web server, no gateway (and not found by component
	 * scanning).
	 */
	@ImportAutoConfiguration({ DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class })
	static class Database {

	}

}

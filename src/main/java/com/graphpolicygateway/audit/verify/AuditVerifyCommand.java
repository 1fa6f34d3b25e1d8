package com.graphpolicygateway.audit.verify;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.signing.AuditCheckpointJson;
import com.graphpolicygateway.audit.signing.AuditSigningKey;
import com.graphpolicygateway.audit.signing.SigningKeyFiles;
import com.graphpolicygateway.audit.store.SqliteStoreSettings;

/**
 * The jar's command-line mode {@code --verify-audit}: connects to the configured audit
 * database (same {@code spring.datasource.*} as the gateway), verifies the trail, prints
 * the report and exits 0 when intact, 1 when something is wrong, 2 when the check could
 * not run. With the configured signing key ({@code graph-gateway.audit.signing.key}) it
 * authenticates every event and checks the checkpoints; {@code --public-key FILE} checks
 * the checkpoints with the key's public half alone (for a verifier that does not hold the
 * private key); {@code --checkpoints FILE} checks the database against the checkpoints a
 * SIEM received from the audit sinks.
 */
public final class AuditVerifyCommand {

	/** The argument that selects this mode. */
	public static final String ARGUMENT = "--verify-audit";

	/** The option naming a SIEM's export of the checkpoints. */
	static final String CHECKPOINTS = "--checkpoints";

	/** The option naming the signing key's public half (PEM). */
	static final String PUBLIC_KEY = "--public-key";

	private AuditVerifyCommand() {
	}

	/** Runs the check and returns the process exit code. */
	public static int run(String[] args, PrintStream out) {
		try {
			Options options = Options.parse(args);
			List<AuditCheckpoint> siem = (options.checkpoints() != null)
					? AuditCheckpointJson.read(options.checkpoints()) : List.of();
			PublicKey publicKey = (options.publicKey() != null) ? readPublicKey(options.publicKey()) : null;
			try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Database.class)
				.web(WebApplicationType.NONE)
				.logStartupInfo(false)
				// A database that cannot be opened is reported once, below, in the
				// command's own words, not also as Spring Boot's failure report.
				.properties("logging.level.org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter=off")
				.run(options.springArguments())) {
				String keyFile = context.getEnvironment().getProperty("graph-gateway.audit.signing.key");
				AuditSigningKey key = (keyFile != null && !keyFile.isBlank()) ? SigningKeyFiles.read(Path.of(keyFile))
						: null;
				if (options.checkpoints() != null && key == null && publicKey == null) {
					out.println("Audit trail could not be verified: " + CHECKPOINTS
							+ " needs the signing key (graph-gateway.audit.signing.key) or " + PUBLIC_KEY);
					return 2;
				}
				AuditVerification report = new AuditChainVerifier(context.getBean(JdbcTemplate.class), key, publicKey)
					.verify(siem);
				print(report, siem.size(), out);
				return report.intact() ? 0 : 1;
			}
		}
		catch (RuntimeException ex) {
			out.println("Audit trail could not be verified: " + ex.getMessage());
			return 2;
		}
	}

	private static void print(AuditVerification report, int siemCheckpoints, PrintStream out) {
		String what = report.eventsChecked() + " events in " + report.chains() + " chains verified"
				+ (report.eventsAuthenticated()
						? ", every event and " + report.pendingChecked()
								+ " pending events authenticated with the signing key"
						: ", not authenticated (no signing key)")
				+ ", " + report.checkpointsChecked() + " checkpoints checked"
				+ ((siemCheckpoints > 0) ? " (" + siemCheckpoints + " from the SIEM's file)" : "")
				+ ((report.unkeyedChains() > 0)
						? "; " + report.unkeyedChains() + " chains predate the signing key and are not authenticated"
						: "");
		if (report.intact()) {
			out.println("Audit trail intact: " + what + ".");
			return;
		}
		out.println("Audit trail BROKEN: " + report.problems().size() + " problems; " + what + ".");
		for (AuditVerification.BrokenLink link : report.problems()) {
			out.println("  " + link);
		}
	}

	private static PublicKey readPublicKey(Path file) {
		try {
			return SigningKeyFiles.publicKeyFromPem(Files.readString(file, StandardCharsets.US_ASCII));
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("The public key " + file + " cannot be read: " + ex, ex);
		}
	}

	/**
	 * The command line: this mode's own options (as {@code --name FILE} or
	 * {@code --name=FILE}) and the rest, for Spring Boot.
	 */
	private record Options(@Nullable Path checkpoints, @Nullable Path publicKey, String[] springArguments) {

		static Options parse(String[] args) {
			Path checkpoints = null;
			Path publicKey = null;
			List<String> rest = new ArrayList<>();
			for (int i = 0; i < args.length; i++) {
				String arg = args[i];
				String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
				if (!name.equals(CHECKPOINTS) && !name.equals(PUBLIC_KEY)) {
					if (!arg.equals(ARGUMENT)) {
						rest.add(arg);
					}
					continue;
				}
				String value;
				if (arg.contains("=")) {
					value = arg.substring(arg.indexOf('=') + 1);
				}
				else if (i + 1 < args.length) {
					value = args[++i];
				}
				else {
					throw new IllegalArgumentException(name + " needs a file");
				}
				if (name.equals(CHECKPOINTS)) {
					checkpoints = Path.of(value);
				}
				else {
					publicKey = Path.of(value);
				}
			}
			return new Options(checkpoints, publicKey, rest.toArray(String[]::new));
		}

	}

	/**
	 * Just the audit database: no web server, no gateway (and not found by component
	 * scanning).
	 */
	@ImportAutoConfiguration({ DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class })
	static class Database {

		/**
		 * An H2 URL is refused as the gateway refuses it: this version has no H2 driver,
		 * and the release that wrote an H2 trail verifies it.
		 */
		@Bean
		static BeanPostProcessor refuseH2() {
			return new BeanPostProcessor() {
				@Override
				public Object postProcessAfterInitialization(Object bean, String beanName) {
					if (bean instanceof DataSourceProperties properties && properties.getUrl() != null) {
						SqliteStoreSettings.refuseH2(properties.getUrl());
					}
					return bean;
				}
			};
		}

	}

}

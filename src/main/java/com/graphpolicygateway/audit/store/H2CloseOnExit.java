package com.graphpolicygateway.audit.store;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;

/**
 * Keeps an embedded H2 audit database open until the application context closes it.
 * Unless its URL says {@code DB_CLOSE_ON_EXIT=FALSE}, H2 closes an embedded database from
 * a JVM shutdown hook of its own, which runs alongside Spring's: on SIGTERM the audit
 * writer found the database closed while it drained its queue (SQLState 90121), and 52
 * and 60 answered calls of two stops under the load of 16 kept-alive callers had no
 * event. So the URL of an embedded H2 database gets the setting (a server's, {@code tcp:}
 * or {@code ssl:}, is closed by its server, not by this JVM); one that asks for
 * {@code TRUE} is overridden, with a warning. H2 refuses the setting with
 * {@code AUTO_SERVER=TRUE}: such a URL is left as it is, with a warning that a stop may
 * lose the last events.
 */
public final class H2CloseOnExit implements BeanPostProcessor {

	private static final Log logger = LogFactory.getLog(H2CloseOnExit.class);

	private static final Pattern SETTING = Pattern.compile(";\\s*DB_CLOSE_ON_EXIT\\s*=\\s*([^;]*)",
			Pattern.CASE_INSENSITIVE);

	private static final String KEPT_OPEN = ";DB_CLOSE_ON_EXIT=FALSE";

	private static final Pattern AUTO_SERVER = Pattern.compile(";\\s*AUTO_SERVER\\s*=\\s*TRUE\\s*(;|$)",
			Pattern.CASE_INSENSITIVE);

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		// After initialization: the properties are bound by then.
		if (bean instanceof DataSourceProperties properties && properties.getUrl() != null) {
			properties.setUrl(keptOpen(properties.getUrl()));
		}
		return bean;
	}

	/**
	 * {@code url}, saying {@code DB_CLOSE_ON_EXIT=FALSE} when it opens an embedded H2
	 * database; any other URL unchanged.
	 */
	static String keptOpen(String url) {
		String lower = url.toLowerCase(Locale.ROOT);
		if (!lower.startsWith("jdbc:h2:") || lower.startsWith("jdbc:h2:tcp:") || lower.startsWith("jdbc:h2:ssl:")) {
			return url;
		}
		if (AUTO_SERVER.matcher(url).find()) {
			logger.warn("The audit database's URL says AUTO_SERVER=TRUE, which H2 allows only with "
					+ "DB_CLOSE_ON_EXIT=TRUE: H2 closes the database from a shutdown hook of its own, and a stop may "
					+ "lose the audit events not yet committed (docs/kubernetes.md, Stopping)");
			return url;
		}
		Matcher setting = SETTING.matcher(url);
		if (!setting.find()) {
			return url + KEPT_OPEN;
		}
		if (setting.group(1).trim().equalsIgnoreCase("FALSE")) {
			return url;
		}
		logger.warn("The audit database's URL says DB_CLOSE_ON_EXIT=" + setting.group(1).trim()
				+ ": the gateway keeps it open until its audit trail is written (DB_CLOSE_ON_EXIT=FALSE)");
		return url.substring(0, setting.start()) + KEPT_OPEN + url.substring(setting.end());
	}

}

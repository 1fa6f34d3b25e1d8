package com.graphpolicygateway.test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * Takes the lines a test provokes on purpose off the console and keeps them for the test
 * to assert: for the duration of each test, the named Logback loggers stop passing their
 * events to the console (additivity off) and record them here instead; afterwards they
 * are as they were. A green build then prints no ERROR line that a test wanted.
 *
 * <pre class="code">
 * &#64;RegisterExtension
 * final LogCapture logs = LogCapture.of(AuditWriter.class);
 * ...
 * assertThat(logs.errors()).singleElement().asString().contains("failed to commit");
 * </pre>
 *
 * A test that starts an application itself passes the capture to the application as a
 * listener, so that it captures again after Spring Boot has reset Logback.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback,
		ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

	private final List<String> names;

	private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

	private final Map<String, Boolean> additivity = new HashMap<>();

	private final Recorder recorder = new Recorder();

	private LogCapture(List<String> names) {
		this.names = names;
	}

	/** Captures the loggers of these classes (and of the loggers below them). */
	public static LogCapture of(Class<?>... classes) {
		return new LogCapture(Arrays.stream(classes).map(Class::getName).toList());
	}

	/** Captures the loggers of these names (and of the loggers below them). */
	public static LogCapture of(String... names) {
		return new LogCapture(List.of(names));
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		this.events.clear();
		LoggerContext loggers = loggerContext();
		for (String name : this.names) {
			this.additivity.put(name, loggers.getLogger(name).isAdditive());
		}
		attach(loggers);
	}

	@Override
	public void afterEach(ExtensionContext context) {
		LoggerContext loggers = loggerContext();
		for (String name : this.names) {
			Logger logger = loggers.getLogger(name);
			logger.detachAppender(this.recorder);
			logger.setAdditive(this.additivity.getOrDefault(name, true));
		}
		this.recorder.stop();
	}

	/** Every event captured so far in this test, in order. */
	public List<ILoggingEvent> events() {
		return List.copyOf(this.events);
	}

	/**
	 * The ERROR lines captured so far, each as {@link #format(ILoggingEvent) formatted}.
	 */
	public List<String> errors() {
		return lines((event) -> event.getLevel() == Level.ERROR);
	}

	/**
	 * The WARN lines captured so far, each as {@link #format(ILoggingEvent) formatted}.
	 */
	public List<String> warnings() {
		return lines((event) -> event.getLevel() == Level.WARN);
	}

	private List<String> lines(Predicate<ILoggingEvent> filter) {
		List<String> lines = new ArrayList<>();
		for (ILoggingEvent event : this.events) {
			if (filter.test(event)) {
				lines.add(format(event));
			}
		}
		return lines;
	}

	/**
	 * The message as the console would show it, followed by the class and message of each
	 * exception in its cause chain ({@code " <- java.io.IOException: disk full"}).
	 */
	public static String format(ILoggingEvent event) {
		StringBuilder line = new StringBuilder(event.getFormattedMessage());
		for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
			line.append(" <- ").append(cause.getClassName()).append(": ").append(cause.getMessage());
		}
		return line.toString();
	}

	private void attach(LoggerContext loggers) {
		if (!this.recorder.isStarted()) {
			this.recorder.setContext(loggers);
			this.recorder.start();
		}
		for (String name : this.names) {
			Logger logger = loggers.getLogger(name);
			logger.setAdditive(false);
			if (!logger.isAttached(this.recorder)) {
				logger.addAppender(this.recorder);
			}
		}
	}

	private static LoggerContext loggerContext() {
		return (LoggerContext) LoggerFactory.getILoggerFactory();
	}

	private final class Recorder extends AppenderBase<ILoggingEvent> {

		Recorder() {
			setName("log-capture");
		}

		@Override
		protected void append(ILoggingEvent event) {
			event.prepareForDeferredProcessing();
			LogCapture.this.events.add(event);
		}

	}

	/**
	 * Attaches again once Spring Boot has set up logging for an application that a test
	 * starts itself (a start-up failure test): that set-up resets Logback, loggers and
	 * appenders included, when no application runs at the time. Pass the capture to
	 * {@code SpringApplicationBuilder.listeners(...)}.
	 */
	@Override
	public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
		attach(loggerContext());
	}

	@Override
	public int getOrder() {
		// After LoggingApplicationListener, which sets up logging on this same event.
		return Ordered.LOWEST_PRECEDENCE;
	}

}

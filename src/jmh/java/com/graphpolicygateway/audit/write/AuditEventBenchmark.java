package com.graphpolicygateway.audit.write;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditHasher;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.StoredEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.graph.TestOperations;
import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.policy.PolicyDecision;
import com.graphpolicygateway.policy.RateLimits;
import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * The audit trail's work per request outside the database: the pending event made from
 * what the exchange carries (caller, correlation ids, target, body properties, policy
 * decision), the row values for its insert (with the modified properties as JSON), and
 * the chain hash of its completed form. The factory is configured from the default
 * {@code graph-gateway.audit} properties, as {@code AuditConfiguration} does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
public class AuditEventBenchmark {

	private static final String CHAIN = UUID.randomUUID().toString();

	private AuditEventFactory factory;

	private ServerWebExchange exchange;

	private Caller caller;

	private AuditEvent pending;

	private AuditEvent completed;

	private long seq;

	private String previousHash = AuditHasher.GENESIS;

	@Setup(Level.Trial)
	public void buildExchange() {
		GraphGatewayProperties.Audit audit = new Binder(new MapConfigurationPropertySource(Map.of()))
			.bindOrCreate("graph-gateway", GraphGatewayProperties.class)
			.audit();
		this.factory = new AuditEventFactory(audit.redact(), audit.maxValueLength(), Clock.systemUTC(),
				TestOperations.catalogue());
		this.exchange = TestAuditExchanges.patch().property("department", "Retail").build();
		// The policy filter stores its decision under the class name, like the guard
		// and the client-request-id filter (see TestAuditExchanges).
		this.exchange.getAttributes()
			.put(PolicyDecision.class.getName(),
					new PolicyDecision(null, List.of(), "3f2a9c0d1e4b5a6c", new RateLimits(null, null)));
		this.caller = TestAuditEvents.caller();
		this.pending = this.factory.pending(this.exchange, this.caller, this.factory.now());
		this.completed = this.pending.completed("success", "allow", "allowed", 204, TestAuditEvents.GRAPH_REQUEST_ID,
				42L);
	}

	/** The pending event of an allowed call, made from the exchange. */
	@Benchmark
	public AuditEvent pendingEvent() {
		return this.factory.pending(this.exchange, this.caller, Instant.EPOCH);
	}

	/** The column values of the pending event's insert, modified properties as JSON. */
	@Benchmark
	public Object[] pendingRow() {
		return AuditRows.values(this.pending);
	}

	/** Linking the completed event into the chain: canonical form and SHA-256. */
	@Benchmark
	public StoredEvent chainHash() {
		return StoredEvent.link(this.completed, CHAIN, ++this.seq, this.previousHash);
	}

	/**
	 * All of an allowed call's audit work outside the database: pending event, its row,
	 * its completed form, the chain link.
	 */
	@Benchmark
	public void allowedCall(Blackhole blackhole) {
		AuditEvent event = this.factory.pending(this.exchange, this.caller, this.factory.now());
		blackhole.consume(AuditRows.values(event));
		AuditEvent outcome = event.completed("success", "allow", "allowed", 204, TestAuditEvents.GRAPH_REQUEST_ID, 42L);
		StoredEvent linked = StoredEvent.link(outcome, CHAIN, ++this.seq, this.previousHash);
		this.previousHash = linked.hash();
		blackhole.consume(linked);
	}

}

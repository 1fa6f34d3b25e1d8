package com.graphpolicygateway.audit.sinks;

import java.util.List;

/**
 * Where one configured sink sends records. Called by one delivery thread at a time, never
 * on an event loop.
 */
interface AuditSink extends AutoCloseable {

	/**
	 * Sends the records, in this order, and returns once the receiver has acknowledged
	 * every one of them.
	 * @throws Exception when any was not acknowledged: the whole batch is sent again
	 */
	void deliver(List<SinkRecord> records) throws Exception;

	/** Releases connections; a later {@link #deliver} may open them again. */
	@Override
	void close();

}

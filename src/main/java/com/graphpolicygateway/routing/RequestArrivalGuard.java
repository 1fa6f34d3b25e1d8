package com.graphpolicygateway.routing;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

import org.springframework.util.Assert;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.GraphErrorCodes;

/**
 * Bounds the time a request may take to arrive, and refuses a request whose bytes the
 * decoded request no longer shows to be ambiguous. One guard per connection, on its event
 * loop, sitting after Netty's HTTP codec; its {@link WireFraming} reads the same bytes
 * before the codec. Nothing here blocks: the limits are one timer per connection.
 * <p>
 * <b>Head.</b> The request line and headers must arrive within the head timeout, counted
 * from the connection's accept for its first request and, for each later one, from the
 * moment both its first byte has arrived and every earlier request has been answered: a
 * kept-alive connection that sends nothing is left to Reactor Netty's idle timeout
 * ({@code server.netty.idle-timeout}), and a request waiting for Graph is never cut
 * short. A head late by a single byte or a whole line is late alike; it is answered 408
 * ({@code requestTimeout}, Graph's shape) and the connection closed, or closed without an
 * answer when no request line had begun.
 * <p>
 * <b>Body.</b> A body must arrive within the body timeout of its head. The Graph route
 * reads its body under the same limit and answers 408 itself, audited; this guard closes
 * the connection of any other body still arriving, at once when its request has been
 * answered (a refusal that did not wait for the body) and after a grace of
 * {@value #BODY_GRACE_SECONDS} s otherwise, so that the route's own answer comes first.
 * <p>
 * <b>Ambiguity.</b> A head that held an obsolete line folding, or a framing other than
 * one {@code Content-Length} or {@code Transfer-Encoding: chunked} (both, several,
 * another transfer coding), or whose framing the decoder read otherwise than its bytes
 * state, is marked as a decoding failure: Reactor Netty answers 400, which
 * {@link MalformedRequestResponses} gives Graph's shape, and closes the connection before
 * any later request on it is read. Like every request Netty refuses, it is not audited.
 */
final class RequestArrivalGuard extends ChannelDuplexHandler implements WireFraming.Listener {

	/** Name of the guard in the channel pipeline, after the HTTP codec. */
	static final String NAME = "graphRequestArrivalGuard";

	/** Name of its byte reader, before the HTTP codec. */
	static final String FRAMING_NAME = "graphRequestFraming";

	/** How much longer an unanswered request's body may take than the body timeout. */
	static final long BODY_GRACE_SECONDS = 5;

	private static final Log logger = LogFactory.getLog(RequestArrivalGuard.class);

	private static final long NONE = Long.MIN_VALUE;

	private final long headTimeoutNanos;

	private final long bodyTimeoutNanos;

	private final GraphErrorResponder errors;

	private final Deque<WireFraming.Head> heads = new ArrayDeque<>(2);

	private @Nullable ChannelHandlerContext context;

	/** Requests decoded whose answer is not complete yet. */
	private int unanswered;

	/** Whether a head is arriving: from the accept, then from each head's first byte. */
	private boolean headArriving = true;

	/** Whether the arriving head's request line has begun. */
	private boolean requestLineArrived;

	/** When the arriving head became due (the event loop's clock), or {@link #NONE}. */
	private long headSince = NONE;

	/** When the head of the body still arriving was decoded, or {@link #NONE}. */
	private long bodySince = NONE;

	private @Nullable ScheduledFuture<?> timer;

	private boolean expired;

	private RequestArrivalGuard(Duration headTimeout, Duration bodyTimeout, GraphErrorResponder errors) {
		this.headTimeoutNanos = headTimeout.toNanos();
		this.bodyTimeoutNanos = bodyTimeout.toNanos();
		this.errors = errors;
	}

	/**
	 * Puts a new guard around the HTTP codec of a connection's pipeline; pipelines
	 * without Reactor Netty's HTTP/1.1 codec are left alone.
	 */
	static void install(ChannelPipeline pipeline, Duration headTimeout, Duration bodyTimeout,
			GraphErrorResponder errors) {
		Assert.isTrue(!headTimeout.isNegative() && !headTimeout.isZero(), "headTimeout must be positive");
		Assert.isTrue(!bodyTimeout.isNegative() && !bodyTimeout.isZero(), "bodyTimeout must be positive");
		Assert.notNull(errors, "errors cannot be null");
		if (pipeline.get(NettyPipeline.HttpCodec) == null) {
			return;
		}
		RequestArrivalGuard guard = new RequestArrivalGuard(headTimeout, bodyTimeout, errors);
		pipeline.addBefore(NettyPipeline.HttpCodec, FRAMING_NAME, new RawBytes(new WireFraming(guard)));
		pipeline.addAfter(NettyPipeline.HttpCodec, NAME, guard);
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.context = ctx;
		if (ctx.channel().isActive()) {
			update();
		}
	}

	@Override
	public void handlerRemoved(ChannelHandlerContext ctx) {
		cancelTimer();
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) throws Exception {
		update();
		super.channelActive(ctx);
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) throws Exception {
		cancelTimer();
		super.channelInactive(ctx);
	}

	@Override
	public void headStarted() {
		this.headArriving = true;
		update();
	}

	@Override
	public void requestLineStarted() {
		this.requestLineArrived = true;
	}

	@Override
	public void headEnded(WireFraming.Head head) {
		this.headArriving = false;
		this.requestLineArrived = false;
		this.heads.add(head);
		update();
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		if (this.expired && msg instanceof HttpObject) {
			// What the decoder makes of a head cut short by the close: nothing to answer.
			ReferenceCountUtil.release(msg);
			return;
		}
		if (msg instanceof HttpRequest request) {
			this.unanswered++;
			this.bodySince = now(ctx);
			String ambiguity = ambiguity(request, this.heads.poll());
			if (ambiguity != null && request.decoderResult().isSuccess()) {
				request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(ambiguity)));
			}
		}
		if (msg instanceof LastHttpContent) {
			this.bodySince = NONE;
		}
		update();
		super.channelRead(ctx, msg);
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse response
				&& response.status().codeClass() == HttpStatusClass.INFORMATIONAL)) {
			this.unanswered = Math.max(0, this.unanswered - 1);
			update();
		}
		super.write(ctx, msg, promise);
	}

	/**
	 * What makes the request ambiguous, or {@code null}: the head's bytes as the byte
	 * reader saw them, against the request as the decoder read it.
	 */
	private static @Nullable String ambiguity(HttpRequest request, WireFraming.@Nullable Head head) {
		if (head == null) {
			return "The request's framing could not be followed.";
		}
		if (head.folded()) {
			return "A header line is folded (obsolete line folding).";
		}
		List<String> transferEncodings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
		if (!head.followed() || transferEncodings.size() > 1 || (transferEncodings.size() == 1
				&& !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(transferEncodings.get(0).strip()))) {
			return "The request's framing is ambiguous (Content-Length and Transfer-Encoding).";
		}
		boolean chunked = HttpUtil.isTransferEncodingChunked(request);
		long contentLength = chunked ? -1 : HttpUtil.getContentLength(request, -1L);
		if (chunked != head.chunked() || contentLength != head.contentLength()) {
			return "The request's framing was read two ways.";
		}
		return null;
	}

	/** Notes when the head became due, and makes sure the timer runs if anything is. */
	private void update() {
		ChannelHandlerContext ctx = this.context;
		if (ctx == null || this.expired) {
			return;
		}
		boolean headDue = this.headArriving && this.unanswered == 0;
		if (!headDue) {
			this.headSince = NONE;
		}
		else if (this.headSince == NONE) {
			this.headSince = now(ctx);
		}
		long due = dueAt();
		if (due != NONE && this.timer == null && ctx.channel().isActive()) {
			schedule(ctx, due - now(ctx));
		}
	}

	/** When the head or the body arriving is due, or {@link #NONE}. */
	private long dueAt() {
		if (this.headSince != NONE) {
			return this.headSince + this.headTimeoutNanos;
		}
		if (this.bodySince != NONE) {
			long grace = (this.unanswered > 0) ? TimeUnit.SECONDS.toNanos(BODY_GRACE_SECONDS) : 0;
			return this.bodySince + this.bodyTimeoutNanos + grace;
		}
		return NONE;
	}

	/**
	 * One timer at most per connection: when it fires early (the deadline moved or went),
	 * it is scheduled again for the time left, instead of being cancelled and scheduled
	 * anew for every request.
	 */
	private void schedule(ChannelHandlerContext ctx, long delayNanos) {
		this.timer = ctx.executor().schedule(() -> expire(ctx), Math.max(delayNanos, 0), TimeUnit.NANOSECONDS);
	}

	private void expire(ChannelHandlerContext ctx) {
		this.timer = null;
		long due = dueAt();
		if (due == NONE || this.expired || !ctx.channel().isActive()) {
			return;
		}
		long left = due - now(ctx);
		if (left > 0) {
			schedule(ctx, left);
			return;
		}
		this.expired = true;
		boolean head = this.headSince != NONE;
		if (logger.isDebugEnabled()) {
			logger.debug("Request " + (head ? "head" : "body") + " not complete in time; closing " + ctx.channel());
		}
		if (head && this.requestLineArrived) {
			ctx.writeAndFlush(timeoutAnswer()).addListener(ChannelFutureListener.CLOSE);
		}
		else {
			ctx.close();
		}
	}

	/** The event loop's clock, which its timers follow. */
	private static long now(ChannelHandlerContext ctx) {
		return ctx.executor().ticker().nanoTime();
	}

	private FullHttpResponse timeoutAnswer() {
		return MalformedRequestResponses.closingAnswer(this.errors, HttpVersion.HTTP_1_1,
				HttpResponseStatus.REQUEST_TIMEOUT, GraphErrorCodes.REQUEST_TIMEOUT,
				"The request line and headers did not arrive within the time the gateway allows.");
	}

	private void cancelTimer() {
		ScheduledFuture<?> scheduled = this.timer;
		if (scheduled != null) {
			scheduled.cancel(false);
			this.timer = null;
		}
	}

	/** Shows the guard's byte reader every byte read, before the HTTP codec does. */
	private static final class RawBytes extends ChannelInboundHandlerAdapter {

		private final WireFraming framing;

		RawBytes(WireFraming framing) {
			this.framing = framing;
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
			if (msg instanceof ByteBuf bytes) {
				this.framing.read(bytes);
			}
			super.channelRead(ctx, msg);
		}

	}

}

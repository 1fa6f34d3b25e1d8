package com.graphpolicygateway.routing;

import java.util.UUID;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.springframework.util.Assert;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.RequestCorrelation;

/**
 * Gives Graph's error shape to the answers Reactor Netty sends by itself for a request it
 * cannot parse (conflicting {@code Content-Length} and {@code Transfer-Encoding}, a
 * malformed request line or header, a request line or head above the size limits, or a
 * request {@link RequestArrivalGuard} found ambiguous). Such a request never reaches the
 * gateway's filters and is not audited, since nothing in it can be trusted; the caller
 * still gets a Graph error naming what was wrong. Sits between the HTTP codec and Reactor
 * Netty's handler, where only those answers pass as one empty {@link FullHttpResponse}
 * that closes the connection; every answer of the gateway's own code has a body.
 */
@ChannelHandler.Sharable
final class MalformedRequestResponses extends ChannelOutboundHandlerAdapter {

	/** Name of this handler in the channel pipeline. */
	static final String NAME = "graphMalformedRequestResponses";

	private final GraphErrorResponder errors;

	MalformedRequestResponses(GraphErrorResponder errors) {
		Assert.notNull(errors, "errors cannot be null");
		this.errors = errors;
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (msg instanceof FullHttpResponse response && isParseFailureAnswer(response)) {
			response.release();
			ctx.write(graphShaped(response), promise);
			return;
		}
		super.write(ctx, msg, promise);
	}

	private static boolean isParseFailureAnswer(FullHttpResponse response) {
		int status = response.status().code();
		return (status == 400 || status == 414 || status == 431) && !response.content().isReadable()
				&& response.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
	}

	private FullHttpResponse graphShaped(FullHttpResponse refused) {
		HttpResponseStatus status = refused.status();
		boolean tooLarge = status.code() != 400;
		String code = tooLarge ? GraphErrorCodes.REQUEST_TOO_LARGE : GraphErrorCodes.INVALID_REQUEST;
		String message = tooLarge ? "The request line or headers are larger than the gateway accepts."
				: "The request is not valid HTTP or its framing is ambiguous (malformed request line or header, "
						+ "folded header line, repeated or conflicting Content-Length and Transfer-Encoding, or a "
						+ "transfer coding other than chunked).";
		return closingAnswer(this.errors, refused.protocolVersion(), status, code, message);
	}

	/**
	 * An answer Netty's pipeline sends itself, before any of the gateway's checks: in
	 * Graph's error shape, with ids of its own (the request's cannot be trusted), and
	 * closing the connection.
	 */
	static FullHttpResponse closingAnswer(GraphErrorResponder errors, HttpVersion version, HttpResponseStatus status,
			String code, String message) {
		String requestId = UUID.randomUUID().toString();
		byte[] body = errors.body(code, message, new RequestCorrelation(requestId, requestId));
		FullHttpResponse answer = new DefaultFullHttpResponse(version, status, Unpooled.wrappedBuffer(body));
		answer.headers()
			.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
			.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
			.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
			.set(RequestCorrelation.REQUEST_ID, requestId)
			.set(RequestCorrelation.CLIENT_REQUEST_ID, requestId);
		return answer;
	}

}

package com.graphpolicygateway.routing;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/**
 * Builds {@code PATCH /v1.0/users/{id}} exchanges; by default one the request guard
 * accepts: a UPN, {@code application/json} and a small user object with its
 * Content-Length.
 */
final class TestPatchRequests {

	private TestPatchRequests() {
	}

	static Builder patch() {
		return new Builder();
	}

	/** A request under construction. */
	static final class Builder {

		private static final int CHUNK_SIZE = 8192;

		private String rawUserId = TestUserIds.userPrincipalName();

		private List<String> contentTypes = List.of("application/json");

		private byte[] body = TestPatchBodies.user().build();

		private boolean chunked;

		private @Nullable Long contentLength;

		private Builder() {
		}

		/** The id exactly as it appears in the path, percent-encoding included. */
		Builder rawUserId(String rawUserId) {
			this.rawUserId = rawUserId;
			return this;
		}

		Builder contentType(String... contentTypes) {
			this.contentTypes = List.of(contentTypes);
			return this;
		}

		Builder body(byte[] body) {
			this.body = body;
			return this;
		}

		/**
		 * Sends the body in several chunks without Content-Length, as
		 * {@code Transfer-Encoding: chunked}.
		 */
		Builder chunked() {
			this.chunked = true;
			return this;
		}

		/** A Content-Length that need not match the body. */
		Builder contentLength(long contentLength) {
			this.contentLength = contentLength;
			return this;
		}

		MockServerHttpRequest build() {
			MockServerHttpRequest.BodyBuilder request = MockServerHttpRequest.method(HttpMethod.PATCH,
					URI.create("/v1.0/users/" + this.rawUserId));
			if (!this.contentTypes.isEmpty()) {
				request.header(HttpHeaders.CONTENT_TYPE, this.contentTypes.toArray(String[]::new));
			}
			if (this.chunked) {
				request.header(HttpHeaders.TRANSFER_ENCODING, "chunked");
			}
			else {
				request.contentLength(this.body.length);
			}
			if (this.contentLength != null) {
				request.contentLength(this.contentLength);
			}
			return request.body(Flux.defer(() -> Flux.fromIterable(chunks())));
		}

		MockServerWebExchange exchange() {
			return MockServerWebExchange.from(build());
		}

		private List<DataBuffer> chunks() {
			int size = this.chunked ? CHUNK_SIZE : Math.max(this.body.length, 1);
			List<DataBuffer> chunks = new ArrayList<>();
			for (int offset = 0; offset < this.body.length; offset += size) {
				int length = Math.min(size, this.body.length - offset);
				chunks.add(DefaultDataBufferFactory.sharedInstance
					.wrap(ByteBuffer.wrap(this.body, offset, length).slice()));
			}
			return chunks;
		}

	}

}

package com.graphpolicygateway.system;

import java.net.URI;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The one place where the gateway's own links are made absolute: under the configured
 * public base URL ({@code graph-gateway.public-base-url}), or left root-relative when
 * none is configured. Never from a request's {@code Host}, {@code X-Forwarded-*} or
 * {@code Forwarded} headers, which a client chooses: a link built from them would send
 * the next request, and its bearer token, wherever the client said.
 */
public final class PublicLinks {

	private final @Nullable String base;

	public PublicLinks(@Nullable URI publicBaseUrl) {
		this.base = (publicBaseUrl != null) ? strip(publicBaseUrl.toString()) : null;
	}

	/**
	 * The link to {@code path}: absolute under the public base URL, or {@code path}
	 * itself.
	 * @param path a root-relative path and query, such as {@code /audit/events?$top=5}
	 */
	public String link(String path) {
		// "//host/..." would be a link to another host, and "/\host" one for some
		// browsers.
		Assert.isTrue(path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\"),
				() -> "Not a root-relative path: " + path);
		return (this.base != null) ? this.base + path : path;
	}

	/** The public base URL without a trailing slash, when one is configured. */
	public Optional<String> baseUrl() {
		return Optional.ofNullable(this.base);
	}

	/** Whether browsers reach the gateway over https, as the public base URL says. */
	public boolean servedOverHttps() {
		return this.base != null && this.base.regionMatches(true, 0, "https:", 0, 6);
	}

	private static String strip(String url) {
		return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
	}

}

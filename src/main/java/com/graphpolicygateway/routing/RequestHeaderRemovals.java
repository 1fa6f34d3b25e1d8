package com.graphpolicygateway.routing;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;

/**
 * Leaves what reaches Graph to the allow-list alone ({@link GraphRequestHeadersFilter},
 * which runs on every forward): Spring Cloud Gateway's removals of hop-by-hop,
 * {@code Forwarded} and {@code X-Forwarded-*} headers each copy every request's headers
 * once more to drop what the allow-list drops anyway; in {@code bench/run} the three were
 * about 6 % of the full gateway's event-loop time and a tenth of what the loops allocate.
 * Hop-by-hop headers are still removed from Graph's answers, with the configured header
 * set and order. The filters that add forwarding headers (with {@code trusted-proxies}
 * set) are left as they are; the allow-list drops what they add.
 */
final class RequestHeaderRemovals implements BeanPostProcessor {

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof RemoveHopByHopHeadersFilter removal) {
			return new ResponseHopByHopHeaders(removal);
		}
		if (bean instanceof RemoveForwardedHeadersFilter) {
			return new NoForwardedRemoval();
		}
		if (bean instanceof RemoveXForwardedHeadersFilter) {
			return new NoXForwardedRemoval();
		}
		return bean;
	}

	/** Hop-by-hop headers removed from responses only. */
	static final class ResponseHopByHopHeaders extends RemoveHopByHopHeadersFilter {

		ResponseHopByHopHeaders(RemoveHopByHopHeadersFilter configured) {
			setHeaders(configured.getHeaders());
			setOrder(configured.getOrder());
		}

		@Override
		public boolean supports(Type type) {
			return type == Type.RESPONSE;
		}

	}

	/** A request-only removal that applies to nothing. */
	static final class NoForwardedRemoval extends RemoveForwardedHeadersFilter {

		@Override
		public boolean supports(Type type) {
			return false;
		}

	}

	/** A request-only removal that applies to nothing. */
	static final class NoXForwardedRemoval extends RemoveXForwardedHeadersFilter {

		@Override
		public boolean supports(Type type) {
			return false;
		}

	}

}

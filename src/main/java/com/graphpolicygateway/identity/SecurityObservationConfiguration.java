package com.graphpolicygateway.identity;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.observation.SecurityObservationSettings;

/**
 * Spring Security observes nothing itself. Otherwise it wraps each of its filters, its
 * authentication and its authorization in an observation on every request, for no metric
 * or span anyone reads here (the request and the upstream call are observed already).
 * Switching those observations off by name would keep the wrappers, about 2 % of the full
 * gateway's event-loop time in {@code bench/run}; these settings leave them out. The bare
 * benchmark route gets the same, so that it stays comparable.
 */
@Configuration(proxyBeanMethods = false)
class SecurityObservationConfiguration {

	@Bean
	static SecurityObservationSettings securityObservationSettings() {
		return SecurityObservationSettings.noObservations();
	}

}

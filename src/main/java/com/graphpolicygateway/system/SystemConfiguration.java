package com.graphpolicygateway.system;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Cross-cutting beans shared by the features. */
@Configuration(proxyBeanMethods = false)
class SystemConfiguration {

	SystemConfiguration() {
		LogCorrelation.register();
	}

	@Bean
	@ConditionalOnMissingBean
	Clock clock() {
		return Clock.systemUTC();
	}

}

package com.graphpolicygateway.graph;

import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.OrderUtils;
import org.springframework.security.web.server.WebFilterChainProxy;
import org.springframework.web.server.WebFilter;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.GatewayIntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stage table holds in the running gateway: its web filters meet a request in the
 * order {@link GatewayStages} lists, Spring Security in its slot.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GatewayStagesTests extends GatewayIntegrationTest {

	@Autowired
	ApplicationContext context;

	@Test
	void webFiltersWhenOrderedAsSpringOrdersThemThenInTheOrderOfTheStageTable() {
		List<String> order = this.context.getBeanProvider(WebFilter.class)
			.orderedStream()
			.map((filter) -> filter.getClass().getSimpleName())
			.filter(List.of("AuditWebFilter", "AuditReadRefusalWebFilter", "ClientRequestIdWebFilter",
					"AmbiguousRequestWebFilter", "WebFilterChainProxy")::contains)
			.toList();

		assertThat(order).containsExactly("AuditWebFilter", "AuditReadRefusalWebFilter", "ClientRequestIdWebFilter",
				"AmbiguousRequestWebFilter", "WebFilterChainProxy");
		assertThat(List.of(GatewayStages.AUDIT_REFUSALS, GatewayStages.AUDIT_READ_REFUSALS,
				GatewayStages.CLIENT_REQUEST_ID, GatewayStages.ONE_READING, GatewayStages.SECURITY))
			.isSortedAccordingTo(Comparator.naturalOrder());
	}

	@Test
	void securityWhenRegisteredBySpringSecurityThenInTheSlotTheTableNames() {
		ConfigurableListableBeanFactory beans = ((ConfigurableApplicationContext) this.context).getBeanFactory();
		String name = this.context.getBeanNamesForType(WebFilterChainProxy.class)[0];
		RootBeanDefinition definition = (RootBeanDefinition) beans.getMergedBeanDefinition(name);

		assertThat(OrderUtils.getOrder(definition.getResolvedFactoryMethod())).isEqualTo(GatewayStages.SECURITY);
	}

}

package com.graphpolicygateway.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every relative link of the README and of the pages under {@code docs/} leads somewhere:
 * to a file or folder of the repository and, when it names a heading ({@code #anchor}),
 * to a heading of that page (anchors made as GitHub makes them). The README's test
 * command is the one CI runs.
 */
class DocumentationLinksTests {

	private static final Pattern LINK = Pattern.compile("\\[([^\\]]*)]\\(([^)\\s]+)\\)");

	private static final Pattern CODE_SPAN = Pattern.compile("`[^`\\n]*`");

	private static final Pattern SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:.*");

	@Test
	void linksWhenRelativeThenTargetAndAnchorExist() throws IOException {
		List<String> broken = new ArrayList<>();
		int checked = 0;
		for (Path page : ConfigurationReferenceTests.documentationPages()) {
			for (String target : links(Files.readString(page))) {
				if (SCHEME.matcher(target).matches()) {
					continue; // https:, mailto:, ...: not this repository's
				}
				checked++;
				int hash = target.indexOf('#');
				String file = (hash >= 0) ? target.substring(0, hash) : target;
				String anchor = (hash >= 0) ? target.substring(hash + 1) : null;
				Path resolved = file.isEmpty() ? page : page.toAbsolutePath().getParent().resolve(file).normalize();
				if (!Files.exists(resolved)) {
					broken.add(page + ": " + target + " (no such file)");
				}
				else if (anchor != null && !anchors(resolved).contains(anchor)) {
					broken.add(page + ": " + target + " (no such heading)");
				}
			}
		}
		assertThat(checked).as("relative links checked").isPositive();
		assertThat(broken).as("links that lead nowhere").isEmpty();
	}

	@Test
	void anchorsWhenHeadingsRepeatOrHoldMarkupThenMadeAsGitHubMakesThem() {
		assertThat(anchors("# Two commands\n## License `auto`\n## Caller tokens and the gateway's identity\n"
				+ "```\n# not a heading\n```\n## Sandbox: a successful PATCH, no Azure needed\n## Two commands\n"))
			.containsExactly("two-commands", "license-auto", "caller-tokens-and-the-gateways-identity",
					"sandbox-a-successful-patch-no-azure-needed", "two-commands-1");
	}

	@Test
	void readmeWhenTestCommandReadThenItIsTheCommandCiRuns() throws IOException {
		List<String> ci = Files.readAllLines(Path.of(".ci/run"));
		int marker = ci.indexOf("# The README's test command, verbatim.");
		assertThat(marker).as(".ci/run marks the README's test command").isNotNegative();
		String command = ci.get(marker + 1);
		List<String> readme = Files.readAllLines(Path.of("README.md"));
		int section = readme.indexOf("## Two commands");
		int next = readme.subList(section + 1, readme.size())
			.indexOf("### Sandbox: a successful PATCH in three " + "commands, no Azure needed");

		assertThat(command).isEqualTo("mvn -B verify");
		assertThat(section).isNotNegative();
		assertThat(next).isPositive();
		assertThat(readme.subList(section, section + 1 + next)).contains(command);
	}

	/** The targets of a page's markdown links, outside code blocks and code spans. */
	private static List<String> links(String page) {
		List<String> targets = new ArrayList<>();
		for (String line : ConfigurationReferenceTests.outsideCodeBlocks(page)) {
			Matcher link = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
			while (link.find()) {
				targets.add(link.group(2));
			}
		}
		return targets;
	}

	private static Set<String> anchors(Path page) throws IOException {
		return Files.isDirectory(page) ? Set.of() : anchors(Files.readString(page));
	}

	/** The anchors GitHub gives a page's headings. */
	static Set<String> anchors(String page) {
		Set<String> anchors = new LinkedHashSet<>();
		Map<String, Integer> seen = new HashMap<>();
		for (String line : ConfigurationReferenceTests.outsideCodeBlocks(page)) {
			if (!line.startsWith("#")) {
				continue;
			}
			String text = line.replaceFirst("^#+\\s*", "")
				.replaceAll("\\[([^\\]]*)]\\([^)]*\\)", "$1")
				.replace("`", "")
				.toLowerCase(Locale.ROOT);
			String anchor = text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
			int count = seen.merge(anchor, 1, Integer::sum);
			anchors.add((count == 1) ? anchor : anchor + "-" + (count - 1));
		}
		return anchors;
	}

}

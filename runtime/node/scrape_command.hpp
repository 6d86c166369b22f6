// `nodepulse scrape -c agent.yml [--endpoint NAME] [--print]`: scrapes each
// endpoint of an agent config once, applies its rule_set and
// metric_relabel_configs as the agent would, and says what the rules keep:
// samples and bytes per scrape before and after (text, and zstd as pushed).
// With --print, the kept scrape (what the agent would write to its WAL) goes
// to stdout. For trying rules against a live exporter before a rollout.
#pragma once

namespace nodepulse::node {

// Exit codes: 0 every endpoint answered, 1 one did not, 2 usage or config.
int scrape_command(int argc, char** argv);

} // namespace nodepulse::node

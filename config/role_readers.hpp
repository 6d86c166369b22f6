// Each role's keys read from a mapping, wherever it stands: at the top of
// the role's own file (load_*_config), or under `agent:`, `ingest:` and
// `digest:` of the single-process dev config (dev_config). Internal to
// config/.
#pragma once

#include "config/agent_config.hpp"
#include "config/digest_config.hpp"
#include "config/ingest_config.hpp"
#include "config/yaml_reader.hpp"

#include <string>
#include <vector>

namespace nodepulse::config {

// `prefix` names where `r` stands ("" or "agent.") for errors that span keys.
void read_agent_config(yaml_reader& r, agent_config& cfg, const std::string& prefix,
                       std::vector<config_error>& errors);

void read_ingest_config(yaml_reader& r, ingest_config& cfg);

void read_digest_config(yaml_reader& r, digest_config& cfg);

} // namespace nodepulse::config

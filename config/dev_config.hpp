// `nodepulse dev -c config/dev.yml`: agent, ingest and digest in one
// process. The file has three sections, `agent:`, `ingest:` and `digest:`,
// each holding that role's keys exactly as its own file does (errors name
// them as `agent.buffer.path`, with the line). The agent's server.endpoint
// is not used: its pushes go to the ingest in the same process.
#pragma once

#include "config/agent_config.hpp"
#include "config/config_error.hpp"
#include "config/digest_config.hpp"
#include "config/ingest_config.hpp"

#include <string>
#include <vector>

namespace nodepulse::config {

struct dev_config {
  agent_config agent;
  ingest_config ingest;
  digest_config digest;
};

std::vector<config_error> load_dev_config(const std::string& text, dev_config& out);

std::vector<config_error> load_dev_config_file(const std::string& path, dev_config& out);

} // namespace nodepulse::config

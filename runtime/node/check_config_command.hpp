// `nodepulse check-config [--role ROLE] -c FILE`: loads a node's config the
// way the node will and lists every problem with its key, line and column.
#pragma once

namespace nodepulse::node {

// Exit codes: 0 valid, 1 problems found, 2 usage or I/O error.
int check_config_command(int argc, char** argv);

} // namespace nodepulse::node

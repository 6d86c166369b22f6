// `nodepulse parse [--format auto|text|openmetrics] [--jsonl] [--lenient] FILE|-`
#pragma once

namespace nodepulse::node {

// Exit codes: 0 valid, 1 malformed input, 2 usage or I/O error.
int parse_command(int argc, char** argv);

} // namespace nodepulse::node

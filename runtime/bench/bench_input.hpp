// What every nodepulse-bench command starts with: its options and its input
// file, read and parsed strictly.
#pragma once

#include "lib/prom/parser.hpp"
#include "lib/prom/sample_batch.hpp"

#include <string>

namespace nodepulse::bench {

struct timing_options {
  double seconds;
  int runs = 5;
};

// Takes `--seconds S` or `--runs N` at argv[i] (moving i past the value);
// false when argv[i] is neither.
bool take_timing_option(int argc, char** argv, int& i, timing_options& opts);

// Reads `path` into `body` and parses it strictly into `batch`, in the
// format named by `format_name` ("auto": detected); `opts` is left as used,
// for re-parsing. On failure prints why and returns the exit code (2:
// unreadable, 1: malformed); 0 on success.
int load_exposition(const std::string& path, std::string& body, prom::sample_batch& batch,
                    prom::parse_options& opts, const std::string& format_name = "auto");

} // namespace nodepulse::bench

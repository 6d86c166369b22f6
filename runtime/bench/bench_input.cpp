#include "runtime/bench/bench_input.hpp"

#include "lib/base/read_input.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace nodepulse::bench {

bool take_timing_option(int argc, char** argv, int& i, timing_options& opts) {
  std::string_view a = argv[i];
  if (i + 1 >= argc)
    return false;
  if (a == "--seconds")
    opts.seconds = std::atof(argv[++i]);
  else if (a == "--runs")
    opts.runs = std::max(1, std::atoi(argv[++i]));
  else
    return false;
  return true;
}

int load_exposition(const std::string& path, std::string& body, prom::sample_batch& batch,
                    prom::parse_options& opts, const std::string& format_name) {
  std::string err;
  if (!node::read_input(path, body, err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }
  opts.mode = prom::parse_mode::strict;
  opts.format = prom::format_from_name(format_name).value_or(prom::detect_format({}, body));
  auto res = prom::parse(body, opts, batch);
  if (!res.ok) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), res.errors.front().to_string().c_str());
    return 1;
  }
  return 0;
}

} // namespace nodepulse::bench

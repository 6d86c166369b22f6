#include "runtime/node/parse_command.hpp"

#include "lib/base/read_input.hpp"
#include "lib/prom/jsonl_writer.hpp"
#include "lib/prom/parser.hpp"

#include <cstdio>
#include <string>
#include <string_view>

namespace nodepulse::node {

namespace {

constexpr const char* usage =
  "usage: nodepulse parse [--format auto|text|openmetrics] [--jsonl] "
  "[--lenient] FILE|-\n"
  "  Validates Prometheus exposition text. Prints `N samples in M families`,\n"
  "  or with --jsonl one JSON object per sample. Malformed input exits 1 with\n"
  "  `line L, column C: reason` on stderr; --lenient reports bad lines and\n"
  "  keeps the rest (what the agent does).\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "nodepulse parse: %s\n%s", what.c_str(), usage);
  return 2;
}

void flush(std::string& buf) {
  std::fwrite(buf.data(), 1, buf.size(), stdout);
  buf.clear();
}

} // namespace

int parse_command(int argc, char** argv) {
  std::string format = "auto";
  bool jsonl = false;
  bool lenient = false;
  std::string path;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--jsonl") {
      jsonl = true;
    } else if (arg == "--lenient") {
      lenient = true;
    } else if (arg == "--format" || arg.rfind("--format=", 0) == 0) {
      if (arg == "--format") {
        if (++i == argc)
          return usage_error("--format needs a value");
        format = argv[i];
      } else {
        format = std::string{arg.substr(9)};
      }
      if (format != "auto" && !prom::format_from_name(format))
        return usage_error("unknown format '" + format + "'");
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(usage, stdout);
      return 0;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option '" + std::string{arg} + "'");
    } else if (path.empty()) {
      path = std::string{arg};
    } else {
      return usage_error("more than one input given");
    }
  }
  if (path.empty())
    return usage_error("no input given (a file, or - for stdin)");

  std::string body;
  std::string io_error;
  if (!read_input(path, body, io_error)) {
    std::fprintf(stderr, "nodepulse parse: %s\n", io_error.c_str());
    return 2;
  }

  prom::parse_options opts;
  opts.mode = lenient ? prom::parse_mode::lenient : prom::parse_mode::strict;
  opts.format = prom::format_from_name(format).value_or(prom::detect_format({}, body));
  prom::sample_batch batch;
  auto res = prom::parse(body, opts, batch);
  for (const auto& e : res.errors)
    std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (!res.ok && !lenient)
    return 1;

  std::string summary = std::to_string(batch.samples.size()) + " samples in "
                        + std::to_string(batch.populated_family_count()) + " families";
  if (lenient && res.bad_lines > 0)
    summary += " (" + std::to_string(res.bad_lines) + " bad lines skipped)";
  if (res.dropped_samples > 0)
    summary += " (" + std::to_string(res.dropped_samples) + " samples over the limit dropped)";

  if (jsonl) {
    // stdout carries the samples and nothing else.
    std::string out;
    for (const auto& s : batch.samples) {
      prom::append_jsonl_sample(batch, s, out);
      if (out.size() > (1 << 16))
        flush(out);
    }
    flush(out);
    std::fprintf(stderr, "%s\n", summary.c_str());
  } else {
    std::printf("%s\n", summary.c_str());
  }
  return std::fflush(stdout) == 0 ? 0 : 2;
}

} // namespace nodepulse::node

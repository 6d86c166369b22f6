#include "runtime/bench/parse_bench.hpp"

#include "lib/prom/parser.hpp"
#include "lib/prom/writer.hpp"
#include "runtime/bench/bench_input.hpp"
#include "runtime/bench/timed_runs.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace nodepulse::bench {

int parse_bench(int argc, char** argv) {
  std::string path;
  timing_options timing_opts{10.0};
  std::string format = "auto";
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (take_timing_option(argc, argv, i, timing_opts))
      continue;
    if (a == "--format" && i + 1 < argc)
      format = argv[++i];
    else
      path = argv[i];
  }
  if (path.empty()) {
    std::fprintf(stderr, "usage: nodepulse-bench parse [--seconds S] [--runs N] "
                         "[--format auto|text|openmetrics] FILE\n");
    return 2;
  }
  pin_to_one_core();
  // The first parse also warms the batch up to its steady-state capacity.
  std::string body;
  prom::parse_options opts;
  prom::sample_batch batch;
  if (int rc = load_exposition(path, body, batch, opts, format))
    return rc;
  const size_t samples_per_body = batch.samples.size();

  const double seconds = timing_opts.seconds;
  const int runs = timing_opts.runs;
  auto timing = timed_runs(runs, seconds, [&] {
    if (!prom::parse(body, opts, batch).ok)
      std::abort();
  });
  const double median = timing.median() * samples_per_body;
  const double total_samples = static_cast<double>(samples_per_body) * timing.calls;

  std::printf("file:            %s (%zu bytes, %zu samples, %zu families)\n", path.c_str(),
              body.size(), samples_per_body, batch.populated_family_count());
  std::printf("runs:            %d x %.1f s on one core, %llu parses\n", runs, seconds / runs,
              static_cast<unsigned long long>(timing.calls));
  std::printf("samples/s:       %.2f M median (min %.2f M, max %.2f M)\n", median / 1e6,
              timing.min() * samples_per_body / 1e6, timing.max() * samples_per_body / 1e6);
  std::printf("MB/s:            %.1f median\n", median / samples_per_body * body.size() / 1e6);
  std::printf("ns/sample:       %.1f median\n", 1e9 / median);
  std::printf("allocs/sample:   %.6f (steady state, batch re-used)\n",
              static_cast<double>(timing.allocations) / total_samples);
  return 0;
}

int make_fleet(int argc, char** argv) {
  std::string path;
  int instances = 100;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--instances" && i + 1 < argc)
      instances = std::atoi(argv[++i]);
    else
      path = argv[i];
  }
  if (path.empty() || instances <= 0) {
    std::fprintf(stderr, "usage: nodepulse-bench make-fleet [--instances N] "
                         "SCRAPE_FILE > fleet.prom\n");
    return 2;
  }
  std::string body;
  prom::parse_options opts;
  prom::sample_batch scrape;
  if (int rc = load_exposition(path, body, scrape, opts))
    return rc;
  // The same scrape from N hosts, as one exposition: every family once, with
  // an `instance` label telling the hosts apart (what a federation endpoint
  // serves).
  prom::sample_batch fleet;
  fleet.families = scrape.families;
  for (auto& f : fleet.families)
    f.sample_count = 0;
  for (int i = 0; i < instances; ++i) {
    char host[32];
    std::snprintf(host, sizeof host, "host-%04d:9100", i);
    std::string_view instance = fleet.arena.copy(host);
    for (const auto& s : scrape.samples) {
      prom::sample copy = s;
      copy.labels.first = static_cast<uint32_t>(fleet.labels.size());
      for (const auto& l : scrape.labels_of(s.labels))
        fleet.labels.push_back(l);
      fleet.labels.push_back({"instance", instance});
      copy.labels.count = s.labels.count + 1;
      copy.exemplar = prom::no_exemplar;
      fleet.samples.push_back(copy);
      fleet.families[s.family].sample_count++;
    }
  }
  std::string out;
  prom::write_text(fleet, out);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

} // namespace nodepulse::bench

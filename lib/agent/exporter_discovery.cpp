#include "lib/agent/exporter_discovery.hpp"

namespace nodepulse::agent {

std::string not_an_exporter(const exporter_answer& answer) {
  if (answer.status == 0)
    return std::string{answer.error};
  if (answer.status != 200)
    return "HTTP " + std::to_string(answer.status);
  thread_local prom::sample_batch batch;
  auto result = parse_answer(answer, batch);
  if (batch.samples.empty())
    return "no Prometheus samples in the answer"
           + (result.errors.empty() ? std::string{} : ": " + result.errors.front().to_string());
  return {};
}

} // namespace nodepulse::agent

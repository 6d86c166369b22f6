#include "actors/agent/discoverer.hpp"

#include "lib/agent/exporter_discovery.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

namespace nodepulse {

namespace {

using self_ptr = discoverer_actor::stateful_pointer<discoverer_state>;

void probe_all(self_ptr self) {
  auto& st = self->state;
  for (uint32_t i = 0; i < st.candidates.size(); ++i) {
    const auto& c = st.settings.candidates[i];
    auto& seen = st.candidates[i];
    auto answer = st.settings.probe(c.url);
    auto problem =
      agent::not_an_exporter({answer.status, answer.body, answer.content_type, answer.error});
    const bool answers = problem.empty();
    ++(answers ? st.status.answered : st.status.silent);
    seen.misses = answers ? 0 : seen.misses + 1;
    bool present = seen.present;
    if (answers && !seen.present) {
      present = true;
      ++st.status.appeared;
      spdlog::info("discovery: found {} at {}; scraping it", c.job, c.url);
    } else if (!answers && seen.present && seen.misses >= st.settings.misses_before_gone) {
      present = false;
      ++st.status.gone;
      spdlog::warn("discovery: {} at {} is gone ({} probes without an answer, last: {}); no "
                   "longer scraping it",
                   c.job, c.url, seen.misses, problem);
    }
    if (present != seen.present || !seen.reported) {
      seen.present = present;
      seen.reported = true;
      self->send(st.supervisor, discovered_atom::value, i, present);
    }
  }
  st.status.present = 0;
  for (const auto& seen : st.candidates)
    st.status.present += seen.present ? 1 : 0;
}

} // namespace

discoverer_actor::behavior_type discoverer(self_ptr self, discoverer_settings settings,
                                           agent_supervisor_actor supervisor) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.supervisor = std::move(supervisor);
  st.candidates.resize(st.settings.candidates.size());
  st.status.candidates = static_cast<uint32_t>(st.candidates.size());
  self->send(self, poll_atom::value);
  return {
    [self](poll_atom) {
      probe_all(self);
      self->delayed_send(self, self->state.settings.interval, poll_atom::value);
    },
    [self](status_atom) { return self->state.status; },
  };
}

} // namespace nodepulse

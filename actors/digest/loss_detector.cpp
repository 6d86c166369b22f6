#include "actors/digest/loss_detector.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

namespace nodepulse {

namespace {

using self_ptr = loss_detector_actor::stateful_pointer<loss_detector_state>;

std::string drops_text(const std::string& drops) {
  return drops.empty() ? "not sent" : drops;
}

// `settle` plus how long the stream's oldest entry has waited, rounded up
// to whole seconds; nullopt (the pass skipped, counted, logged once per
// outage) when Valkey did not answer.
std::optional<std::chrono::seconds> settle_for_this_pass(self_ptr self) {
  auto& st = self->state;
  std::string error;
  auto age = st.backlog_age(error);
  if (!age) {
    if (st.status.stream_reachable || st.status.skipped == 0)
      spdlog::warn("loss_detector: Valkey did not answer ({}); no gap is judged while the stream "
                   "may still hold its batches; trying again in {} s",
                   error, st.settings.every.count() / 1000);
    st.status.stream_reachable = false;
    st.status.error = "Valkey: " + error;
    ++st.status.skipped;
    return std::nullopt;
  }
  if (!st.status.stream_reachable && st.status.skipped > 0)
    spdlog::info("loss_detector: Valkey answers again");
  st.status.stream_reachable = true;
  auto waited = std::chrono::ceil<std::chrono::seconds>(*age);
  return st.settings.settle + waited;
}

void run_pass(self_ptr self) {
  auto& st = self->state;
  auto settle = settle_for_this_pass(self);
  if (!settle)
    return;
  std::string error;
  auto found = st.pass(*settle, error);
  if (!found) {
    if (st.status.database_reachable || st.status.failures == 0)
      spdlog::warn("loss_detector: PostgreSQL did not answer ({}); trying again in {} s", error,
                   st.settings.every.count() / 1000);
    st.status.database_reachable = false;
    st.status.error = "PostgreSQL: " + error;
    ++st.status.failures;
    return;
  }
  st.status.database_reachable = true;
  st.status.error.clear();
  st.status.settle_seconds = settle->count();
  ++st.status.passes;
  uint64_t first_epochs = 0; // servers seen for the first time: one line for all
  for (const auto& e : *found) {
    auto batches = static_cast<uint64_t>(e.last_sequence - e.first_sequence + 1);
    switch (e.kind) {
      case pg::loss_event::loss:
        ++st.status.loss_ranges;
        st.status.batches_lost += batches;
        spdlog::error("loss_detector: server {} epoch {}: batches {}..{} ({}) never reached "
                      "PostgreSQL though a later one did more than {} s ago (the stream holds "
                      "nothing that old), and the agent did not drop them itself (its "
                      "figures: {}); recorded in admiral.batch_losses",
                      e.server_id, e.epoch, e.first_sequence, e.last_sequence, batches,
                      settle->count(), drops_text(e.agent_drops));
        break;
      case pg::loss_event::dropped_by_agent:
        ++st.status.agent_drop_ranges;
        st.status.batches_dropped_by_agents += batches;
        spdlog::warn("loss_detector: server {} epoch {}: batches {}..{} ({}) were dropped by "
                     "the agent itself, its WAL's retention or size cap reached before it "
                     "could push them (its figures: {}); recorded in admiral.batch_losses "
                     "as dropped_by_agent",
                     e.server_id, e.epoch, e.first_sequence, e.last_sequence, batches,
                     drops_text(e.agent_drops));
        break;
      case pg::loss_event::new_epoch:
        ++st.status.epochs;
        if (e.previous_epoch.empty()) {
          ++first_epochs;
          break;
        }
        ++st.status.new_epochs;
        spdlog::warn("loss_detector: server {} started a new WAL epoch {} at sequence {} "
                     "after epoch {}: its WAL was wiped, or recovery cut records off, and "
                     "what it held unpushed from epoch {} is gone. The agent's figures at "
                     "the start of the new epoch: {}; at the end of the old one: {}",
                     e.server_id, e.epoch, e.first_sequence, e.previous_epoch, e.previous_epoch,
                     drops_text(e.agent_drops), drops_text(e.previous_agent_drops));
        break;
    }
  }
  if (first_epochs > 0)
    spdlog::info("loss_detector: {} server{} seen for the first time; their batch sequences "
                 "are checked from now on",
                 first_epochs, first_epochs == 1 ? "" : "s");
}

} // namespace

loss_detector_actor::behavior_type loss_detector(self_ptr self, loss_pass pass,
                                                 stream_backlog_age backlog_age,
                                                 loss_detector_settings settings) {
  self->state.pass = std::move(pass);
  self->state.backlog_age = std::move(backlog_age);
  self->state.settings = settings;
  self->send(self, poll_atom::value);
  return {
    [self](poll_atom) {
      run_pass(self);
      self->delayed_send(self, self->state.settings.every, poll_atom::value);
    },
    [self](status_atom) { return self->state.status; },
  };
}

} // namespace nodepulse

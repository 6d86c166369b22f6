#include "actors/ingest/parser_pool.hpp"

#include "runtime/node/restart_backoff.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/sec.hpp>

#include <algorithm>
#include <chrono>

namespace nodepulse {

namespace {

using pool_pointer = parser_pool_actor::stateful_pointer<parser_pool_state>;

void start_worker(pool_pointer self, uint32_t index) {
  auto& slot = (*self->state.slots)[index];
  // Monitored, not linked: a link would pass a worker's `kill` on to the pool
  // unconditionally, and the pool must outlive any one worker.
  slot.worker = self->spawn(parser_worker, self->state.settings);
  self->monitor(slot.worker);
}

} // namespace

parser_pool_actor::behavior_type
parser_pool(pool_pointer self, uint32_t size, parser_settings settings) {
  self->state.settings = std::move(settings);
  self->state.slots->resize(std::max<uint32_t>(size, 1));
  for (uint32_t i = 0; i < self->state.slots->size(); ++i)
    start_worker(self, i);
  // Workers end with the pool. The state is gone by the time this runs, so
  // the functor holds the slots itself.
  self->attach_functor([slots = self->state.slots] {
    for (auto& slot : *slots)
      if (slot.worker)
        caf::anon_send_exit(slot.worker, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& slots = *self->state.slots;
    for (uint32_t i = 0; i < slots.size(); ++i) {
      if (!slots[i].worker || slots[i].worker.address() != msg.source)
        continue;
      slots[i].worker = nullptr;
      ++slots[i].deaths;
      self->delayed_send(self, restart_backoff(slots[i].deaths), respawn_atom::value, i);
      return;
    }
  });
  return {
    [self](parse_atom atm, parse_request& req) -> caf::result<parse_reply> {
      auto& st = self->state;
      auto& slots = *st.slots;
      for (size_t tries = 0; tries < slots.size(); ++tries) {
        auto& slot = slots[st.next++ % slots.size()];
        if (slot.worker)
          return self->delegate(slot.worker, atm, std::move(req));
      }
      // Every worker is dead and waiting for its backoff: ingest answers 503.
      return caf::make_error(caf::sec::request_receiver_down,
                             "no parser worker available");
    },
    [self](respawn_atom, uint32_t index) {
      auto& slots = *self->state.slots;
      if (index < slots.size() && !slots[index].worker) {
        start_worker(self, index);
        ++self->state.restarts;
      }
    },
  };
}

} // namespace nodepulse

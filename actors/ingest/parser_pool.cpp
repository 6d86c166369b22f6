#include "actors/ingest/parser_pool.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/sec.hpp>

#include <algorithm>
#include <string>

namespace nodepulse {

parser_pool_actor::behavior_type
parser_pool(parser_pool_actor::stateful_pointer<parser_pool_state> self, uint32_t size,
            parser_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  for (uint32_t i = 0; i < std::max<uint32_t>(size, 1); ++i)
    st.workers.add<parser_actor>(
      "parser worker " + std::to_string(i),
      [&st](caf::local_actor* self) { return self->spawn(parser_worker, st.settings); });
  supervise<respawn_atom>(self, st.workers);
  return {
    [self](parse_atom atm, parse_request& req) -> caf::result<parse_reply> {
      auto& st = self->state;
      const auto& slots = st.workers.slots();
      for (size_t tries = 0; tries < slots.size(); ++tries) {
        const auto& slot = slots[st.next++ % slots.size()];
        if (slot.actor)
          return self->delegate(caf::actor_cast<parser_actor>(slot.actor), atm, std::move(req));
      }
      // Every worker is dead and waiting for its backoff: ingest answers 503.
      return caf::make_error(caf::sec::request_receiver_down, "no parser worker available");
    },
    [self](respawn_atom, uint32_t id) { self->state.workers.respawn(self, id); },
  };
}

} // namespace nodepulse

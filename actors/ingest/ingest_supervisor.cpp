#include "actors/ingest/ingest_supervisor.hpp"

#include "lib/ingest/agent_auth.hpp"
#include <caf/actor_cast.hpp>

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

namespace nodepulse {

namespace {

using self_ptr = ingest_supervisor_actor::stateful_pointer<ingest_supervisor_state>;

// Tells the acceptor which pool and publisher to use now (invalid = down).
// And, after a reload, the tokens file as it is now (a restarted acceptor
// starts with the tokens of the node's start).
void wire(self_ptr self) {
  const auto& st = self->state;
  if (auto acceptor = st.acceptor()) {
    self->send(acceptor, wire_atom::value, caf::actor_cast<parser_actor>(st.parser_pool()),
               st.publisher(), st.token_lookup());
    if (st.tokens)
      self->send(acceptor, reload_atom::value, st.tokens);
  }
}

void reload_tokens(self_ptr self) {
  auto& st = self->state;
  if (!st.spawn.reread_tokens) {
    spdlog::info("ingest: nothing to reload without auth.tokens_file (restart to apply a new "
                 "config)");
    return;
  }
  std::string error;
  auto tokens = st.spawn.reread_tokens(error);
  if (!tokens) {
    spdlog::error("ingest: tokens file not reloaded, the tokens it had stay: {}", error);
    return;
  }
  spdlog::info("ingest: tokens file reloaded: {} tokens", tokens->size());
  st.tokens = std::move(tokens);
  wire(self);
}

} // namespace

ingest_supervisor_actor::behavior_type ingest_supervisor(self_ptr self, ingest_children spawn) {
  auto& st = self->state;
  st.spawn = std::move(spawn);
  auto& kids = st.children;
  st.parser_pool_slot = kids.add<parser_pool_actor>("parser pool", st.spawn.parser_pool);
  st.publisher_slot = kids.add<publisher_actor>("stream publisher", st.spawn.publisher);
  if (st.spawn.token_lookup)
    st.token_lookup_slot = kids.add<token_lookup_actor>("token lookup", st.spawn.token_lookup);
  else
    st.token_lookup_slot = UINT32_MAX; // tokens file or no auth: nothing to start
  st.acceptor_slot = kids.add<http_acceptor_actor>("HTTP acceptor", st.spawn.acceptor);
  kids.start_all(self);
  wire(self);
  kids.stop_with_supervisor(self);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto* slot = st.children.on_down(msg);
    if (slot == nullptr)
      return; // an old incarnation, or stopping
    if (slot->id == st.acceptor_slot && slot->incarnations == 1
        && msg.reason == caf::sec::cannot_open_port) {
      // Never listened: nothing to keep alive.
      auto reason = msg.reason;
      return st.children.stop_all(caf::exit_reason::user_shutdown,
                                  [self, reason] { self->quit(reason); });
    }
    wire(self); // the acceptor answers 503 for what is missing meanwhile
    self->delayed_send(self, child_slots::backoff(*slot), respawn_atom::value, slot->id);
  });
  return {
    [self](respawn_atom, uint32_t id) {
      if (self->state.children.respawn(self, id))
        wire(self);
    },
    [self](reload_atom) { reload_tokens(self); },
    [self](http_atom, http_exchange& ex) {
      // A push from inside the process (nodepulse dev): to whichever
      // acceptor runs now, as if it came over the network.
      if (auto acceptor = self->state.acceptor())
        return self->send(acceptor, http_atom::value, std::move(ex));
      http::reply r;
      r.status = 503;
      r.retry_after_s = 1;
      r.body = R"({"status":"error","error":"the HTTP acceptor is restarting; retry later"})";
      ex.done(std::move(r));
    },
  };
}

} // namespace nodepulse

#include "actors/ingest/ingest_supervisor.hpp"

#include "runtime/node/restart_backoff.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace nodepulse {

namespace {

using self_ptr = ingest_supervisor_actor::stateful_pointer<ingest_supervisor_state>;
using state = ingest_supervisor_state;

// Tells the acceptor which pool and publisher to use now (invalid = down).
void wire(self_ptr self) {
  auto& c = *self->state.children;
  if (c.acceptor)
    self->send(c.acceptor, wire_atom::value,
               caf::actor_cast<parser_actor>(c.parser_pool), c.publisher, c.token_lookup);
}

void start(self_ptr self, uint32_t which) {
  auto& st = self->state;
  auto& c = *st.children;
  ++st.incarnations[which];
  switch (which) {
    case state::parser_pool_child:
      c.parser_pool = st.spawn.parser_pool(self);
      self->monitor(c.parser_pool);
      break;
    case state::publisher_child:
      c.publisher = st.spawn.publisher(self);
      self->monitor(c.publisher);
      break;
    case state::token_lookup_child:
      if (!st.spawn.token_lookup)
        return; // tokens file or no auth: nothing to start
      c.token_lookup = st.spawn.token_lookup(self);
      self->monitor(c.token_lookup);
      break;
    default:
      c.acceptor = st.spawn.acceptor(self);
      self->monitor(c.acceptor);
      break;
  }
  wire(self);
}

} // namespace

ingest_supervisor_actor::behavior_type
ingest_supervisor(self_ptr self, ingest_children spawn) {
  self->state.spawn = std::move(spawn);
  for (uint32_t i = 0; i < state::child_count; ++i)
    start(self, i);
  // Children are monitored, not linked (a link would carry a child's kill
  // to the supervisor); so they are stopped explicitly when it ends.
  self->attach_functor([children = self->state.children] {
    if (children->acceptor)
      caf::anon_send_exit(children->acceptor, caf::exit_reason::user_shutdown);
    if (children->parser_pool)
      caf::anon_send_exit(children->parser_pool, caf::exit_reason::user_shutdown);
    if (children->publisher)
      caf::anon_send_exit(children->publisher, caf::exit_reason::user_shutdown);
    if (children->token_lookup)
      caf::anon_send_exit(children->token_lookup, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto& c = *st.children;
    uint32_t which;
    if (c.parser_pool && c.parser_pool.address() == msg.source) {
      which = state::parser_pool_child;
      c.parser_pool = nullptr;
    } else if (c.publisher && c.publisher.address() == msg.source) {
      which = state::publisher_child;
      c.publisher = nullptr;
    } else if (c.token_lookup && c.token_lookup.address() == msg.source) {
      which = state::token_lookup_child;
      c.token_lookup = nullptr;
    } else if (c.acceptor && c.acceptor.address() == msg.source) {
      which = state::acceptor_child;
      c.acceptor = nullptr;
      if (st.incarnations[which] == 1 && msg.reason == caf::sec::cannot_open_port)
        return self->quit(msg.reason); // never listened: nothing to keep alive
    } else {
      return; // an old incarnation
    }
    ++st.deaths[which];
    wire(self); // the acceptor answers 503 for what is missing meanwhile
    self->delayed_send(self, restart_backoff(st.deaths[which]), respawn_atom::value,
                       which);
  });
  return {
    [self](respawn_atom, uint32_t which) {
      if (which >= state::child_count)
        return;
      auto& c = *self->state.children;
      bool alive = which == state::parser_pool_child    ? bool{c.parser_pool}
                   : which == state::publisher_child    ? bool{c.publisher}
                   : which == state::token_lookup_child ? bool{c.token_lookup}
                                                        : bool{c.acceptor};
      if (alive)
        return;
      ++self->state.restarts;
      start(self, which);
    },
    [self](http_atom, http_exchange& ex) {
      // A push from inside the process (nodepulse dev): to whichever
      // acceptor runs now, as if it came over the network.
      auto& acceptor = self->state.children->acceptor;
      if (acceptor)
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

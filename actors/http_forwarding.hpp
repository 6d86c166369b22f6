// The HTTP server's handler for a node whose requests an actor answers:
// each request travels to the actor as an http_exchange. The server's
// threads hold only the actor's weak address, so a request arriving after
// the actor is gone is answered `gone` instead of crashing.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/http/server.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace nodepulse {

template <class Handle>
http::handler_fn forward_http_to(caf::actor_addr addr, http::reply gone) {
  return
    [addr = std::move(addr), gone = std::move(gone)](http::request&& req, http::reply_fn done) {
      auto hdl = caf::actor_cast<Handle>(addr);
      if (!hdl)
        return done(gone);
      caf::anon_send(hdl, http_atom::value, http_exchange{std::move(req), std::move(done)});
    };
}

} // namespace nodepulse

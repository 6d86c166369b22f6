// An ingest as the CAF transport meets it, on the deterministic scheduler:
// the real supervisor and children (Valkey scripted) behind the real
// gateway, whose clock reads `now`. Shared by the gateway's suite and the
// agent's ingest-link suite.
#pragma once

#include "actors/ingest/ingest_gateway.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <memory>

namespace nodepulse::test {

struct gateway_fixture : test_coordinator_fixture<system_config> {
  std::shared_ptr<scripted_valkey> valkey = std::make_shared<scripted_valkey>();
  http_acceptor_settings acceptor_settings;
  ingest_supervisor_actor supervisor;
  ingest_gateway_front_actor gateway;
  int64_t now = 1700000000123;

  gateway_fixture() {
    acceptor_settings.serve = false;
    supervisor = sys.spawn(ingest_supervisor, scripted_children(valkey, &acceptor_settings));
    gateway = spawn_gateway();
    sched.run();
  }

  ingest_gateway_front_actor spawn_gateway() {
    return sys.spawn(ingest_gateway, supervisor, std::function<int64_t()>{[this] { return now; }});
  }

  ~gateway_fixture() {
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // Sends `req` to `to` (the gateway, or a link standing in for it), runs
  // the scheduler, and returns the reply or the error.
  template <class Handle>
  caf::expected<http::reply> push_to(const Handle& to, http::request req) {
    auto pending = self->request(to, caf::infinite, publish_atom::value, std::move(req));
    sched.run();
    caf::expected<http::reply> out{caf::sec::request_timeout};
    pending.receive([&](http::reply& r) { out = std::move(r); },
                    [&](caf::error& e) { out = std::move(e); });
    return out;
  }
};

} // namespace nodepulse::test

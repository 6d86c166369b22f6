#include "runtime/node/caf_push_route.hpp"

#include "actors/agent/ingest_link.hpp"
#include "actors/error_text.hpp"
#include "lib/agent/push_request.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/remoting.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <memory>

namespace nodepulse::node {

push_route caf_push_route(caf::actor_system& sys) {
  return [&sys](const config::agent_config& cfg, const std::string& server_id) -> push_fn {
    ingest_link_settings link;
    link.where = cfg.server.endpoint;
    std::string host;
    uint16_t port = 0;
    split_listen(cfg.server.endpoint, host, port);
    link.connect = gateway_connector(sys, host, port, !cfg.server.tls.cert_file.empty());
    auto timeout = link.timeout = std::chrono::milliseconds{cfg.server.timeout_ms};
    // Stopped when the pusher settings holding this route's function go
    // (a reload makes a new route).
    auto handle = std::shared_ptr<ingest_gateway_actor>(
      new ingest_gateway_actor{sys.spawn<caf::detached>(ingest_link, std::move(link))},
      [](ingest_gateway_actor* h) {
        caf::anon_send_exit(*h, caf::exit_reason::user_shutdown);
        delete h;
      });
    return [&sys, handle, target = push_target(cfg, server_id),
            timeout](const std::string& body, const agent::header_list& headers) {
      agent::http_result out;
      caf::scoped_actor self{sys};
      // The link answers within the push's timeout, or at once when the
      // connection drops: the margin only covers a connect in progress.
      self
        ->request(*handle, timeout + std::chrono::seconds{5}, publish_atom::value,
                  agent::push_request(target, body, headers))
        .receive([&](http::reply& reply) { out = agent::push_result(std::move(reply)); },
                 [&](caf::error& err) { out.error = error_text(sys, err); });
      return out;
    };
  };
}

} // namespace nodepulse::node

#include "actors/ingest/ingest_gateway.hpp"

#include "lib/base/wall_clock.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <memory>

namespace nodepulse {

ingest_gateway_front_actor::behavior_type
ingest_gateway(ingest_gateway_front_actor::stateful_pointer<ingest_gateway_state> self,
               ingest_supervisor_actor ingest, std::function<int64_t()> now_ms) {
  self->state.now_ms = std::move(now_ms);
  self->monitor(ingest);
  self->set_down_handler([self](caf::down_msg& msg) { self->quit(msg.reason); });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // Only this node may stop the gateway: an exit from a connected agent
    // (anyone holding its handle can send one) is logged and ignored.
    if (msg.source && msg.source.node() != self->node()) {
      ++self->state.ignored_exits;
      spdlog::warn("ingest: ignored an exit message sent to the CAF gateway by {}",
                   to_string(msg.source.node()));
      return;
    }
    self->quit(msg.reason);
  });
  return {
    [self, ingest](publish_atom, http::request& req) -> caf::result<http::reply> {
      req.received_at_ms = wall_clock_ms(self->state.now_ms);
      auto id = ++self->state.next_id;
      ++self->state.pushes;
      auto promise = self->make_response_promise<http::reply>();
      self->state.pending.emplace(id, promise);
      // The acceptor answers from its own thread: back through the mailbox.
      // An exchange dropped unanswered (its acceptor died) answers 503 as it
      // goes, so the agent retries at once and nothing stays pending here;
      // after a real answer that 503 finds no pending push and is ignored.
      auto gateway = caf::actor_cast<ingest_gateway_front_actor>(self);
      auto dropped = std::shared_ptr<void>(nullptr, [gateway, id](void*) {
        http::reply r;
        r.status = 503;
        r.retry_after_s = 1;
        r.body = R"({"status":"error","error":"the ingest dropped the push; retry later"})";
        caf::anon_send(gateway, http_atom::value, gateway_answer{id, std::move(r)});
      });
      self->send(
        ingest, http_atom::value,
        http_exchange{std::move(req), [gateway, id, dropped](http::reply r) {
                        caf::anon_send(gateway, http_atom::value, gateway_answer{id, std::move(r)});
                      }});
      return promise;
    },
    [self](http_atom, gateway_answer& answer) {
      auto i = self->state.pending.find(answer.id);
      if (i == self->state.pending.end())
        return;
      i->second.deliver(std::move(answer.reply));
      self->state.pending.erase(i);
    },
  };
}

} // namespace nodepulse

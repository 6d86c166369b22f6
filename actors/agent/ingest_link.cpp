#include "actors/agent/ingest_link.hpp"

#include "actors/error_text.hpp"

#include <caf/actor_system.hpp>
#include <caf/sec.hpp>

#include <spdlog/spdlog.h>

#include <utility>

namespace nodepulse {

namespace {

using link_pointer = ingest_gateway_actor::stateful_pointer<ingest_link_state>;

bool ensure_connected(link_pointer self, caf::error& why) {
  auto& st = self->state;
  if (st.gateway)
    return true;
  auto gateway = st.settings.connect();
  if (!gateway) {
    ++st.connect_failures;
    why = caf::make_error(caf::sec::cannot_connect_to_node,
                          "cannot reach the ingest gateway at " + st.settings.where + ": "
                            + error_text(self->system(), gateway.error()));
    return false;
  }
  st.gateway = std::move(*gateway);
  self->monitor(st.gateway);
  ++st.connects;
  spdlog::info("agent: connected to the ingest gateway at {}", st.settings.where);
  return true;
}

// Answers the push `id` with `answer`, unless it was answered already (the
// connection dropped first).
template <class Answer>
void settle(link_pointer self, uint64_t id, Answer&& answer) {
  auto i = self->state.pending.find(id);
  if (i == self->state.pending.end())
    return;
  i->second.deliver(std::forward<Answer>(answer));
  self->state.pending.erase(i);
}

} // namespace

ingest_gateway_actor::behavior_type ingest_link(link_pointer self, ingest_link_settings settings) {
  self->state.settings = std::move(settings);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (msg.source != st.gateway.address())
      return;
    ++st.drops;
    spdlog::warn("agent: lost the ingest gateway at {} ({}); scrapes wait in the buffer "
                 "until it is back",
                 st.settings.where, self->system().render(msg.reason));
    st.gateway = nullptr;
    auto err =
      caf::make_error(caf::sec::request_receiver_down,
                      "the ingest gateway at " + st.settings.where + " went away before answering");
    for (auto& [id, promise] : st.pending)
      promise.deliver(err);
    st.pending.clear();
  });
  return {
    [self](publish_atom, http::request& req) -> caf::result<http::reply> {
      auto& st = self->state;
      caf::error why;
      if (!ensure_connected(self, why))
        return why;
      auto id = ++st.next_id;
      auto promise = self->make_response_promise<http::reply>();
      st.pending.emplace(id, promise);
      self->request(st.gateway, st.settings.timeout, publish_atom::value, std::move(req))
        .then([self, id](http::reply& reply) { settle(self, id, std::move(reply)); },
              [self, id](caf::error& err) {
                settle(self, id,
                       caf::make_error(caf::sec::request_timeout,
                                       "the ingest gateway at " + self->state.settings.where
                                         + " did not answer: " + error_text(self->system(), err)));
              });
      return promise;
    },
  };
}

} // namespace nodepulse

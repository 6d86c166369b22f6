#include "actors/agent/in_process_push.hpp"

#include "lib/agent/push_request.hpp"
#include "lib/base/wall_clock.hpp"

#include <caf/send.hpp>

#include <future>
#include <memory>

namespace nodepulse {

std::function<agent::http_result(const std::string& body, const agent::header_list& headers)>
in_process_push(ingest_supervisor_actor ingest, std::string target,
                std::chrono::milliseconds timeout) {
  return [ingest = std::move(ingest), target = std::move(target),
          timeout](const std::string& body, const agent::header_list& headers) {
    auto req = agent::push_request(target, body, headers);
    req.received_at_ms = wall_clock_ms();
    // The acceptor answers exactly once, from its own thread.
    auto answer = std::make_shared<std::promise<http::reply>>();
    auto future = answer->get_future();
    caf::anon_send(ingest, http_atom::value, http_exchange{std::move(req), [answer](http::reply r) {
                                                             answer->set_value(std::move(r));
                                                           }});
    agent::http_result out;
    if (future.wait_for(timeout) != std::future_status::ready) {
      out.error = "the in-process ingest did not answer in time";
      return out;
    }
    try {
      return agent::push_result(future.get());
    } catch (const std::future_error&) { // the exchange went away unanswered
      out.error = "the in-process ingest dropped the push";
      return out;
    }
  };
}

} // namespace nodepulse

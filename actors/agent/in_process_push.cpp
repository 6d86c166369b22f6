#include "actors/agent/in_process_push.hpp"

#include <caf/send.hpp>

#include <future>
#include <memory>

namespace nodepulse {

std::function<agent::http_result(const std::string& body, const agent::header_list& headers)>
in_process_push(ingest_supervisor_actor ingest, std::string target,
                std::chrono::milliseconds timeout) {
  return [ingest = std::move(ingest), target = std::move(target),
          timeout](const std::string& body, const agent::header_list& headers) {
    http::request req;
    req.method = "POST";
    auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    for (const auto& [name, value] : headers) {
      if (name == "Content-Type")
        req.content_type = value;
      else if (name == "Content-Encoding")
        req.content_encoding = value;
      else if (name == "X-Batch-Id")
        req.batch_id = value;
      else if (name == "Authorization")
        req.authorization = value;
    }
    req.body = body;
    req.received_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    // The acceptor answers exactly once, from its own thread.
    auto answer = std::make_shared<std::promise<http::reply>>();
    auto future = answer->get_future();
    caf::anon_send(ingest, http_atom::value,
                   http_exchange{std::move(req), [answer](http::reply r) {
                                   answer->set_value(std::move(r));
                                 }});
    agent::http_result out;
    if (future.wait_for(timeout) != std::future_status::ready) {
      out.error = "the in-process ingest did not answer in time";
      return out;
    }
    http::reply r;
    try {
      r = future.get();
    } catch (const std::future_error&) { // the exchange went away unanswered
      out.error = "the in-process ingest dropped the push";
      return out;
    }
    out.status = r.status;
    out.body = std::move(r.body);
    out.content_type = std::move(r.content_type);
    out.retry_after_s = r.retry_after_s > 0 ? r.retry_after_s : -1;
    return out;
  };
}

} // namespace nodepulse

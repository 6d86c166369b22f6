#include "lib/agent/push_request.hpp"

namespace nodepulse::agent {

http::request push_request(const std::string& target, std::string body,
                           const header_list& headers) {
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
    else if (name == "X-Agent-Dropped")
      req.agent_dropped = value;
    else if (name == "Authorization")
      req.authorization = value;
  }
  req.body = std::move(body);
  return req;
}

http_result push_result(http::reply reply) {
  http_result out;
  out.status = reply.status;
  out.body = std::move(reply.body);
  out.content_type = std::move(reply.content_type);
  out.retry_after_s = reply.retry_after_s > 0 ? reply.retry_after_s : -1;
  return out;
}

} // namespace nodepulse::agent

// One HTTP exchange as the rest of Node Pulse sees it: the parts of a
// request ingest looks at, and the reply it sends. No Beast here, so actors
// and tests include this without pulling in Asio.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace nodepulse::http {

struct request {
  std::string method; // "GET", "POST", ...
  std::string path;   // target before '?'
  std::string query;  // target after '?', undecoded ("" if none)
  std::string authorization;
  std::string content_type;
  std::string content_encoding;
  std::string batch_id;      // X-Batch-Id
  std::string agent_dropped; // X-Agent-Dropped (lib/http/agent_drops.hpp)
  std::string body;          // as received (maybe compressed)
  int64_t received_at_ms = 0;
  std::string peer; // the client's IP address ("" over CAF)
  // True for the first of two calls of a request with a body: its header
  // only, before the body is read. A reply of status 100 admits it (the
  // body is read and the request handed over again, whole); any other is
  // sent and the connection closed, the body never read.
  bool head_only = false;
};

// Status of a reply that admits a head_only request.
inline constexpr int admit_status = 100;

struct reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  uint32_t retry_after_s = 0;     // > 0: sent as Retry-After
  std::string content_encoding{}; // set: sent as Content-Encoding (the body is already so)
};

// Called exactly once per request, from any thread.
using reply_fn = std::function<void(reply)>;

// The value of `key` in a query string ("a=1&server_id=x"), percent-decoded;
// "" when absent.
std::string query_param(const std::string& query, const std::string& key);

} // namespace nodepulse::http

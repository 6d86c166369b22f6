// A push as the HTTP request it is, for the ways to the ingest that are not
// a socket (the in-process route of `nodepulse dev`, the CAF transport):
// the ingest accepts it on exactly the path an HTTP push takes, and its
// reply reads back as the HTTP client's result.
#pragma once

#include "lib/agent/http_client.hpp"
#include "lib/http/message.hpp"

#include <string>

namespace nodepulse::agent {

// POST `target` ("/metrics/prometheus?server_id=...") with `body` and the
// pusher's headers (Content-Type, Content-Encoding, X-Batch-Id,
// Authorization). received_at_ms is left for the ingest to stamp.
http::request push_request(const std::string& target, std::string body, const header_list& headers);

// The ingest's reply as the pusher reads an HTTP response.
http_result push_result(http::reply reply);

} // namespace nodepulse::agent

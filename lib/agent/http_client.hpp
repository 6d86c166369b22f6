// The agent's HTTP(S) client (Boost.Beast; only http_client.cpp includes
// it): one per scraper and one for the pusher, each keeping its connection
// alive between requests. Blocking, with a deadline on each request: its
// owner is a detached actor. Not libcurl: its dependency tree alone (TLS,
// LDAP, Kerberos, SSH, RTMP libraries) costs an agent ~6 MB of RSS.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nodepulse::agent {

struct tls_files {
  std::string ca_file;   // empty: the system's CAs
  std::string cert_file; // with key_file: a client certificate (mTLS)
  std::string key_file;
};

struct http_result {
  int status = 0;   // 0: no HTTP response (see error)
  std::string body; // inflated when the server sent gzip
  std::string content_type;
  int64_t retry_after_s = -1; // Retry-After in seconds; -1 when absent
  std::string error;          // why there was no response: "connection refused", ...
};

using header_list = std::vector<std::pair<std::string, std::string>>;

class http_client {
public:
  explicit http_client(tls_files tls = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // GET `url`, accepting gzip; `accept` is the Accept header.
  http_result get(const std::string& url, const std::string& accept, int64_t timeout_ms);

  // POST `body` to `url` with `headers`.
  http_result post(const std::string& url, const std::string& body, const header_list& headers,
                   int64_t timeout_ms);

private:
  struct connection;
  http_result request(const std::string& method, const std::string& url, const std::string& body,
                      const header_list& headers, int64_t timeout_ms);

  std::unique_ptr<connection> conn_;
  tls_files tls_;
};

} // namespace nodepulse::agent

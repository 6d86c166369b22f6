// A blocking HTTP(S) client for integration tests: one request per call on a
// fresh connection, or raw bytes on a socket for what a real client would
// never send. Only http_client.cpp includes Beast.
#pragma once

#include <map>
#include <string>

namespace nodepulse::test {

struct http_response {
  int status = 0; // 0: no HTTP response (refused, reset, handshake failed)
  std::string body;
  std::map<std::string, std::string> headers; // lowercase names
  std::string error;                          // why there was no response
};

struct tls_client_files {
  std::string ca_file;   // set: HTTPS, verifying the server against it
  std::string cert_file; // client certificate (optional)
  std::string key_file;
};

http_response http_request(int port, const std::string& method, const std::string& target,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {},
                           const tls_client_files& tls = {});

// Sends `bytes` to 127.0.0.1:port, then reads until the server closes or
// `wait_ms` passes; returns what came back ("" if nothing).
std::string raw_exchange(int port, const std::string& bytes, int wait_ms);

// Connects and holds the connection open without sending anything; -1 on
// failure. Close with ::close().
int open_idle_connection(int port);

// True when the server closed `fd` within wait_ms (read returns 0 or an error).
bool closed_by_server(int fd, int wait_ms);

} // namespace nodepulse::test

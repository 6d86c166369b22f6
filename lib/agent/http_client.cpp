#include "lib/agent/http_client.hpp"

#include "lib/http/inflate.hpp"
#include "lib/text/redact.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

namespace nodepulse::agent {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr size_t max_response_bytes = 64 << 20;

struct url_parts {
  bool https = false;
  std::string host; // without brackets
  std::string port;
  std::string target; // path and query
};

bool split_url(const std::string& url, url_parts& out, std::string& error) {
  auto scheme_end = url.find("://");
  auto scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    error = "not an http:// or https:// URL: " + text::redact_url(url);
    return false;
  }
  out.https = scheme == "https";
  auto rest = url.substr(scheme_end + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  out.port = out.https ? "443" : "80";
  if (!authority.empty() && authority.front() == '[') { // [::1]:9100
    auto close = authority.find(']');
    if (close == std::string::npos) {
      error = "unclosed [ in " + text::redact_url(url);
      return false;
    }
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      out.port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos)
      out.port = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    error = "no host in " + text::redact_url(url);
    return false;
  }
  return true;
}

} // namespace

// One kept-alive connection, to the scheme, host and port it was made for.
struct http_client::connection {
  net::io_context ioc{1};
  std::optional<ssl::context> tls_context;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  std::string key; // "https://host:port"
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }

  void close() {
    if (plain || secure) {
      beast::error_code ignored;
      lowest().socket().close(ignored);
    }
    plain.reset();
    secure.reset();
    buffer.clear();
    key.clear();
  }

  // Runs what was started until it finishes or the deadline passes; false
  // (everything cancelled) on the deadline.
  bool run_until(std::chrono::steady_clock::time_point deadline) {
    ioc.restart();
    ioc.run_until(deadline);
    if (ioc.stopped())
      return true;
    close(); // cancels what is pending
    ioc.restart();
    ioc.run();
    return false;
  }
};

http_client::http_client(tls_files tls) : conn_(new connection), tls_(std::move(tls)) {}

http_client::~http_client() {
  conn_->close();
}

http_result http_client::get(const std::string& url, const std::string& accept,
                             int64_t timeout_ms) {
  return request("GET", url, {}, {{"Accept", accept}, {"Accept-Encoding", "gzip"}}, timeout_ms);
}

http_result http_client::post(const std::string& url, const std::string& body,
                              const header_list& headers, int64_t timeout_ms) {
  return request("POST", url, body, headers, timeout_ms);
}

http_result http_client::request(const std::string& method, const std::string& url,
                                 const std::string& body, const header_list& headers,
                                 int64_t timeout_ms) {
  http_result out;
  url_parts parts;
  if (!split_url(url, parts, out.error))
    return out;
  auto& c = *conn_;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
  const auto key = (parts.https ? "https://" : "http://") + parts.host + ":" + parts.port;
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), parts.target, 11};
  req.set(bhttp::field::host, parts.host);
  req.set(bhttp::field::user_agent, "nodepulse-agent");
  for (const auto& [name, value] : headers)
    req.set(name, value);
  if (method != "GET") {
    req.body() = body;
    req.prepare_payload();
  }
  // A kept-alive connection the server closed meanwhile fails at once:
  // then once more on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = c.key == key;
    beast::error_code ec;
    if (!reused) {
      c.close();
      try {
        if (parts.https) {
          if (!c.tls_context) {
            c.tls_context.emplace(ssl::context::tls_client);
            if (tls_.ca_file.empty())
              c.tls_context->set_default_verify_paths();
            else
              c.tls_context->load_verify_file(tls_.ca_file);
            if (!tls_.cert_file.empty() && !tls_.key_file.empty()) {
              c.tls_context->use_certificate_chain_file(tls_.cert_file);
              c.tls_context->use_private_key_file(tls_.key_file, ssl::context::pem);
            }
            c.tls_context->set_verify_mode(ssl::verify_peer);
          }
          c.secure.emplace(c.ioc, *c.tls_context);
          if (!SSL_set_tlsext_host_name(c.secure->native_handle(), parts.host.c_str()))
            throw std::runtime_error("cannot set the TLS server name");
          c.secure->set_verify_callback(ssl::host_name_verification(parts.host));
        } else {
          c.plain.emplace(c.ioc);
        }
      } catch (const std::exception& e) {
        out.error = std::string{"TLS setup: "} + e.what();
        c.close();
        return out;
      }
      tcp::resolver resolver{c.ioc};
      resolver.async_resolve(
        parts.host, parts.port, [&](beast::error_code e, tcp::resolver::results_type results) {
          if (e) {
            ec = e;
            return;
          }
          c.lowest().async_connect(results, [&](beast::error_code e2, const tcp::endpoint&) {
            if (e2 || !c.secure) {
              ec = e2;
              return;
            }
            c.secure->async_handshake(ssl::stream_base::client,
                                      [&](beast::error_code e3) { ec = e3; });
          });
        });
      if (!c.run_until(deadline)) {
        out.error = "timed out connecting to " + key;
        return out;
      }
      if (ec) {
        out.error = "cannot connect to " + key + ": " + ec.message();
        c.close();
        return out;
      }
      c.key = key;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_response_bytes);
    bool got_bytes = false;
    auto on_read = [&](beast::error_code e, size_t n) {
      ec = e;
      got_bytes = got_bytes || n > 0;
    };
    auto on_write = [&](beast::error_code e, size_t) {
      if (e) {
        ec = e;
        return;
      }
      if (c.secure)
        bhttp::async_read(*c.secure, c.buffer, parser, on_read);
      else
        bhttp::async_read(*c.plain, c.buffer, parser, on_read);
    };
    if (c.secure)
      bhttp::async_write(*c.secure, req, on_write);
    else
      bhttp::async_write(*c.plain, req, on_write);
    if (!c.run_until(deadline)) {
      out.error = "timed out waiting for " + key;
      return out;
    }
    if (ec) {
      c.close();
      if (reused && !got_bytes)
        continue; // the server had closed the kept-alive connection
      out.error = "request to " + key + " failed: " + ec.message();
      return out;
    }
    auto res = parser.release();
    if (!res.keep_alive())
      c.close();
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string{res[bhttp::field::content_type]};
    auto retry_after = res[bhttp::field::retry_after];
    if (!retry_after.empty() && std::all_of(retry_after.begin(), retry_after.end(), ::isdigit))
      out.retry_after_s = std::stoll(std::string{retry_after});
    auto coding = res[bhttp::field::content_encoding];
    if (coding.empty()) {
      out.body = std::move(res.body());
      return out;
    }
    auto parsed = http::parse_content_encoding(std::string_view{coding.data(), coding.size()});
    auto inflated =
      parsed ? http::inflate(*parsed, res.body(), max_response_bytes, out.body)
             : http::inflate_result{http::inflate_status::corrupt, "unsupported Content-Encoding"};
    if (inflated.status != http::inflate_status::ok) {
      out.status = 0;
      out.body.clear();
      out.error = "cannot inflate the answer from " + key + ": " + inflated.error;
    }
    return out;
  }
  out.error = "request to " + key + " failed: connection closed";
  return out;
}

} // namespace nodepulse::agent

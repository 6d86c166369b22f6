#include "runtime/bench/push_connection.hpp"

#include "lib/http/agent_drops.hpp"

#include <chrono>
#include <cstdio>

namespace nodepulse::bench {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

push_connection::push_connection(boost::asio::io_context& ioc,
                                 const boost::asio::ip::tcp::resolver::results_type& endpoints,
                                 const std::string& host, const std::string& target,
                                 const std::string& body)
  : stream_(ioc), endpoints_(endpoints) {
  req_ = {bhttp::verb::post, target, 11};
  req_.set(bhttp::field::host, host);
  req_.set(bhttp::field::content_type, "text/plain; version=0.0.4");
  // What an agent that never had to drop anything sends.
  req_.set("X-Agent-Dropped", http::format_agent_drops({}));
  req_.keep_alive(true);
  req_.body() = body;
  req_.prepare_payload();
}

void push_connection::set_body(std::string body) {
  req_.body() = std::move(body);
  req_.prepare_payload();
}

void push_connection::set_header(const std::string& name, const std::string& value) {
  req_.set(name, value);
}

void push_connection::post(const std::string& batch_id, handler done) {
  req_.set("X-Batch-Id", batch_id);
  if (connected_)
    return write(std::move(done));
  stream_.expires_after(std::chrono::seconds{10});
  stream_.async_connect(
    endpoints_, [this, done = std::move(done)](beast::error_code ec,
                                               const boost::asio::ip::tcp::endpoint&) mutable {
      if (ec) {
        close();
        return done(ec);
      }
      connected_ = true;
      write(std::move(done));
    });
}

void push_connection::write(handler done) {
  stream_.expires_after(std::chrono::seconds{30});
  bhttp::async_write(
    stream_, req_, [this, done = std::move(done)](beast::error_code ec, size_t) mutable {
      if (ec) {
        close();
        return done(ec);
      }
      res_ = {};
      bhttp::async_read(stream_, buf_, res_,
                        [this, done = std::move(done)](beast::error_code ec, size_t) {
                          if (ec || !res_.keep_alive())
                            close();
                          done(ec);
                        });
    });
}

void push_connection::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
  buf_.clear();
  connected_ = false;
}

bool split_host_port(const std::string& text, std::string& host, std::string& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return false;
  host = text.substr(0, colon);
  port = text.substr(colon + 1);
  return true;
}

} // namespace nodepulse::bench

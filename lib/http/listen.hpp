// Opens `acceptor` on host:port (an IP address; port 0 for any free one)
// with SO_REUSEADDR, so a restarted node binds again at once. False and
// `error` naming the address otherwise. For the Asio listeners (the HTTP
// server, the CAF guard); only their translation units include it.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>

namespace nodepulse::http {

inline bool listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                      uint16_t port, std::string& error) {
  namespace net = boost::asio;
  boost::system::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) {
    error = "cannot listen on '" + host + "': not an IP address";
    return false;
  }
  net::ip::tcp::endpoint ep{addr, port};
  acceptor.open(ep.protocol(), ec);
  if (!ec)
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(ep, ec);
  if (!ec)
    acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  return true;
}

} // namespace nodepulse::http

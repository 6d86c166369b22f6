// One keep-alive HTTP/1.1 connection that POSTs the same body again and
// again under a new X-Batch-Id, for the load generators (`nodepulse-bench
// ingest` and `fleet`): connects when it has to, writes, reads the answer,
// and closes itself after an error or an answer that ends the connection.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <functional>
#include <string>

namespace nodepulse::bench {

class push_connection {
public:
  using response = boost::beast::http::response<boost::beast::http::string_body>;
  // Called once per post: no error and response() is the answer, or the
  // connection failed (and is closed). It must keep the connection's owner
  // alive until then, which is why it is the owner's handler.
  using handler = std::function<void(boost::beast::error_code)>;

  push_connection(boost::asio::io_context& ioc,
                  const boost::asio::ip::tcp::resolver::results_type& endpoints,
                  const std::string& host, const std::string& target, const std::string& body);

  void post(const std::string& batch_id, handler done);
  // For a body that changes from post to post (remote write), and its
  // headers.
  void set_body(std::string body);
  void set_header(const std::string& name, const std::string& value);
  const response& answer() const { return res_; }
  bool connected() const { return connected_; }
  void close();

private:
  void write(handler done);

  boost::beast::tcp_stream stream_;
  const boost::asio::ip::tcp::resolver::results_type& endpoints_;
  boost::beast::http::request<boost::beast::http::string_body> req_;
  response res_;
  boost::beast::flat_buffer buf_;
  bool connected_ = false;
};

// "HOST:PORT" (the last colon splits); false when there is none.
bool split_host_port(const std::string& text, std::string& host, std::string& port);

} // namespace nodepulse::bench

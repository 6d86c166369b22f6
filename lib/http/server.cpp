#include "lib/http/server.hpp"

#include "lib/http/framing.hpp"
#include "lib/http/listen.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace nodepulse::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

void server_stats::count_response(int status) {
  size_t i = 0;
  while (counted_statuses[i] != status && counted_statuses[i] != 0)
    ++i;
  responses[i].fetch_add(1, std::memory_order_relaxed);
}

uint64_t server_stats::responses_with(int status) const {
  for (size_t i = 0; i < counted_statuses.size(); ++i)
    if (counted_statuses[i] == status)
      return responses[i].load(std::memory_order_relaxed);
  return 0;
}

namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string error_json(const char* message) {
  return std::string{R"({"status":"error","error":")"} + message + "\"}";
}

// The part of a connection the server can reach to close it on stop().
struct closable {
  virtual ~closable() = default;
  virtual void close_now() = 0; // only while no I/O thread runs
};

// What every connection shares, and what outlives the server object for as
// long as a handler still holds a reply function: the I/O context itself,
// settings, handler, counters, and the open connections.
struct shared_context {
  explicit shared_context(const server_settings& s)
    : settings(s), ioc(static_cast<int>(std::max(1u, s.threads))), tls(ssl::context::tls_server) {}
  server_settings settings;
  handler_fn handler;
  net::io_context ioc;
  ssl::context tls;
  server_stats stats;
  std::atomic<bool> stopped{false}; // late replies become no-ops
  std::mutex mtx;
  std::list<std::weak_ptr<closable>> open;               // guarded by mtx
  std::unordered_map<std::string, uint32_t> per_address; // open connections; guarded by mtx

  // Takes a slot for `peer`; false when it has its share already.
  bool take_address_slot(const std::string& peer) {
    if (settings.max_connections_per_address == 0)
      return true;
    std::lock_guard<std::mutex> guard{mtx};
    auto& n = per_address[peer];
    if (n >= settings.max_connections_per_address)
      return false;
    ++n;
    return true;
  }

  void release_address_slot(const std::string& peer) {
    if (settings.max_connections_per_address == 0)
      return;
    std::lock_guard<std::mutex> guard{mtx};
    auto it = per_address.find(peer);
    if (it != per_address.end() && --it->second == 0)
      per_address.erase(it);
  }
};

// One connection: read a request, hand it to the handler, write its reply,
// repeat while keep-alive. All of it runs on the connection's strand.
template <class Stream>
class session : public closable, public std::enable_shared_from_this<session<Stream>> {
public:
  static constexpr bool tls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  session(std::shared_ptr<shared_context> ctx, std::string peer, Args&&... args)
    : ctx_(std::move(ctx)), stream_(std::forward<Args>(args)...), peer_(std::move(peer)) {
    ctx_->stats.connections_open.fetch_add(1, std::memory_order_relaxed);
  }

  ~session() override {
    ctx_->release_address_slot(peer_);
    ctx_->stats.connections_open.fetch_sub(1, std::memory_order_relaxed);
    if (registered_) {
      std::lock_guard<std::mutex> guard{ctx_->mtx};
      ctx_->open.erase(entry_);
    }
  }

  void close_now() override { tcp().close(); }

  void run() {
    {
      std::lock_guard<std::mutex> guard{ctx_->mtx};
      entry_ = ctx_->open.insert(ctx_->open.end(), this->weak_from_this());
      registered_ = true;
    }
    // Start on the strand: the handshake or first read must not race.
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->start(); });
  }

private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void start() {
    if constexpr (tls) {
      tcp().expires_after(ctx_->settings.read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  self->ctx_->stats.tls_handshake_failures.fetch_add(1);
                                  return; // dropping the last reference closes it
                                }
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(ctx_->settings.max_header_bytes));
    parser_->body_limit(ctx_->settings.max_body_bytes);
    tcp().expires_after(ctx_->settings.idle_timeout);
    bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == net::error::operation_aborted || ctx_->stopped.load())
      return;
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof
        || ec == net::error::connection_reset)
      return close();
    if (ec == beast::error::timeout) {
      ctx_->stats.timeouts.fetch_add(1, std::memory_order_relaxed);
      return; // the stream is already closed
    }
    if (ec == bhttp::error::body_limit)
      return send_transport_error(413, "request body is larger than limits.max_body_bytes");
    if (ec == bhttp::error::header_limit)
      return send_transport_error(431, "request header is too large");
    if (ec)
      return send_transport_error(400, "malformed HTTP request");
    const auto& hdr = parser_->get();
    keep_alive_ = hdr.keep_alive();
    version_ = hdr.version();
    head_ = hdr.method() == bhttp::verb::head;
    auto te = hdr[bhttp::field::transfer_encoding];
    if (auto problem =
          framing_problem({te.data(), te.size()}, hdr.count(bhttp::field::transfer_encoding),
                          hdr.count(bhttp::field::content_length) > 0))
      return send_transport_error(400, problem);
    if (hdr.method() == bhttp::verb::post && !parser_->content_length() && !parser_->chunked())
      return send_transport_error(411, "POST needs Content-Length (or chunked encoding)");
    // What the handler sees comes from the header block alone: fields in a
    // chunked body's trailer never become headers.
    request_ = {};
    request_.method = std::string{hdr.method_string()};
    auto target = hdr.target();
    auto q = target.find('?');
    request_.path = std::string{target.substr(0, q)};
    if (q != beast::string_view::npos)
      request_.query = std::string{target.substr(q + 1)};
    request_.authorization = std::string{hdr[bhttp::field::authorization]};
    request_.content_type = std::string{hdr[bhttp::field::content_type]};
    request_.content_encoding = std::string{hdr[bhttp::field::content_encoding]};
    request_.batch_id = std::string{hdr["X-Batch-Id"]};
    request_.agent_dropped = std::string{hdr["X-Agent-Dropped"]};
    request_.peer = peer_;
    // The round trip costs about 60 us of CPU per push (docs/benchmarks.md):
    // nothing at fleet rates, and no body is ever read for a refused push.
    bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    if (!has_body)
      return continue_then_read_body(); // nothing to admit
    // Admission: the handler decides on the header whether the body is
    // worth reading (authentication above all).
    auto head = request_;
    head.head_only = true;
    tcp().expires_after(ctx_->settings.read_timeout);
    auto self = this->shared_from_this();
    ctx_->handler(std::move(head), [self](reply r) {
      if (self->ctx_->stopped.load())
        return;
      net::post(self->stream_.get_executor(),
                [self, r = std::move(r)]() mutable { self->on_admission(std::move(r)); });
    });
  }

  void on_admission(reply r) {
    if (r.status != admit_status) {
      keep_alive_ = false; // the body stays unread: the connection cannot go on
      return write(std::move(r));
    }
    continue_then_read_body();
  }

  // Honours Expect: 100-continue, then reads the body.
  void continue_then_read_body() {
    if (!beast::iequals(parser_->get()[bhttp::field::expect], "100-continue"))
      return read_body();
    auto cont =
      std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
    bhttp::async_write(stream_, *cont,
                       [self = this->shared_from_this(), cont](beast::error_code ec, size_t) {
                         if (ec)
                           return self->close();
                         self->read_body();
                       });
  }

  void read_body() {
    tcp().expires_after(ctx_->settings.read_timeout);
    bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == net::error::operation_aborted || ctx_->stopped.load())
      return;
    if (ec == beast::error::timeout) {
      ctx_->stats.timeouts.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (ec == bhttp::error::body_limit)
      return send_transport_error(413, "request body is larger than limits.max_body_bytes");
    if (ec)
      return close();
    tcp().expires_never(); // the handler's time is not the client's fault
    auto msg = parser_->release();
    request req = std::move(request_);
    req.body = std::move(msg.body());
    req.received_at_ms = now_ms();
    ctx_->stats.bytes_received.fetch_add(req.body.size(), std::memory_order_relaxed);
    auto self = this->shared_from_this();
    ctx_->handler(std::move(req), [self](reply r) {
      if (self->ctx_->stopped.load())
        return;
      net::post(self->stream_.get_executor(),
                [self, r = std::move(r)]() mutable { self->write(std::move(r)); });
    });
  }

  // An error found before the handler ever sees the request: answer and
  // close, since the rest of the request cannot be trusted or was not read.
  void send_transport_error(int status, const char* message) {
    keep_alive_ = false;
    version_ = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    reply r;
    r.status = status;
    r.body = error_json(message);
    write(std::move(r));
  }

  void write(reply r) {
    ctx_->stats.count_response(r.status);
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(r.status), version_);
    res->set(bhttp::field::server, "nodepulse");
    res->set(bhttp::field::content_type, r.content_type);
    if (!r.content_encoding.empty())
      res->set(bhttp::field::content_encoding, r.content_encoding);
    if (r.retry_after_s > 0)
      res->set(bhttp::field::retry_after, std::to_string(r.retry_after_s));
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    if (head_)
      res->body().clear(); // Content-Length says what GET would send; no body follows
    tcp().expires_after(ctx_->settings.read_timeout);
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                         if (ec)
                           return;
                         if (!self->keep_alive_)
                           return self->close();
                         self->read_header();
                       });
  }

  void close() {
    if constexpr (tls) {
      tcp().expires_after(std::chrono::seconds{5});
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  std::shared_ptr<shared_context> ctx_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  request request_;   // of the request being read: its header's fields
  std::string peer_;  // the client's address
  bool head_ = false; // the request is a HEAD: no body in the reply
  bool keep_alive_ = true;
  unsigned version_ = 11;
  std::list<std::weak_ptr<closable>>::iterator entry_;
  bool registered_ = false;
};

class beast_server final : public server {
public:
  beast_server(std::shared_ptr<shared_context> ctx)
    : ctx_(std::move(ctx)), acceptor_(net::make_strand(ctx_->ioc)),
      accept_pause_(acceptor_.get_executor()) {}

  ~beast_server() override { stop(); }

  bool open(std::string& error) {
    const auto& s = ctx_->settings;
    tls_ = !s.tls_cert_file.empty() || !s.tls_key_file.empty();
    if (tls_ && !load_tls(error))
      return false;
    if (!listen_on(acceptor_, s.host, s.port, error))
      return false;
    port_ = acceptor_.local_endpoint().port();
    accept();
    for (unsigned i = 0; i < std::max(1u, s.threads); ++i)
      threads_.emplace_back([this] { ctx_->ioc.run(); });
    return true;
  }

  uint16_t port() const override { return port_; }
  const server_stats& stats() const override { return ctx_->stats; }

  void stop() override {
    if (ctx_->stopped.exchange(true))
      return;
    auto& ioc = ctx_->ioc;
    ioc.stop();
    for (auto& t : threads_)
      t.join();
    threads_.clear();
    // Close every connection and let their pending operations finish with
    // "aborted" on this thread, so no queued handler keeps a connection
    // (and through it this context) alive in a cycle.
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_pause_.cancel();
    std::vector<std::shared_ptr<closable>> open;
    {
      std::lock_guard<std::mutex> guard{ctx_->mtx};
      for (auto& weak : ctx_->open)
        if (auto conn = weak.lock())
          open.push_back(std::move(conn));
    }
    for (auto& conn : open)
      conn->close_now();
    open.clear();
    ioc.restart();
    ioc.run();
  }

private:
  bool load_tls(std::string& error) {
    const auto& s = ctx_->settings;
    if (s.tls_cert_file.empty() || s.tls_key_file.empty()) {
      error = "tls.cert_file and tls.key_file must be set together";
      return false;
    }
    const std::string* current = &s.tls_cert_file;
    try {
      ctx_->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                            | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                            | ssl::context::no_tlsv1_1);
      ctx_->tls.use_certificate_chain_file(s.tls_cert_file);
      current = &s.tls_key_file;
      ctx_->tls.use_private_key_file(s.tls_key_file, ssl::context::pem);
      if (!s.tls_client_ca_file.empty()) {
        current = &s.tls_client_ca_file;
        ctx_->tls.load_verify_file(s.tls_client_ca_file);
        ctx_->tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
    } catch (const std::exception& e) {
      error = "cannot load " + *current + ": " + e.what();
      return false;
    }
    return true;
  }

  void accept() {
    acceptor_.async_accept(
      net::make_strand(ctx_->ioc),
      [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted)
      return;
    auto& st = ctx_->stats;
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space
        || ec == net::error::no_memory || ec.value() == ENFILE) {
      // Out of file descriptors: accepting again at once would spin a core
      // on the same error. Pause; closing connections free descriptors.
      st.accept_errors.fetch_add(1, std::memory_order_relaxed);
      accept_pause_.expires_after(std::chrono::milliseconds{100});
      accept_pause_.async_wait([this](beast::error_code wait_ec) {
        if (wait_ec != net::error::operation_aborted)
          accept();
      });
      return;
    }
    if (!ec) {
      beast::error_code ignored;
      auto peer = socket.remote_endpoint(ignored).address().to_string();
      if (st.connections_open.load() >= ctx_->settings.max_connections) {
        // Refused at once: a closed connection costs the agent one retry,
        // an accepted one we cannot serve costs every agent latency.
        st.connections_refused.fetch_add(1, std::memory_order_relaxed);
        socket.close(ignored);
      } else if (!ctx_->take_address_slot(peer)) {
        st.connections_refused_per_address.fetch_add(1, std::memory_order_relaxed);
        socket.close(ignored);
      } else {
        st.connections_accepted.fetch_add(1, std::memory_order_relaxed);
        if (tls_)
          std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(
            ctx_, std::move(peer), std::move(socket), ctx_->tls)
            ->run();
        else
          std::make_shared<session<beast::tcp_stream>>(ctx_, std::move(peer), std::move(socket))
            ->run();
      }
    }
    accept(); // also after an error such as EMFILE: keep serving the others
  }

  std::shared_ptr<shared_context> ctx_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_pause_; // after EMFILE and the like
  bool tls_ = false;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
};

} // namespace

std::unique_ptr<server> server::start(const server_settings& settings, handler_fn handler,
                                      std::string& error) {
  auto ctx = std::make_shared<shared_context>(settings);
  ctx->handler = std::move(handler);
  auto srv = std::make_unique<beast_server>(std::move(ctx));
  if (!srv->open(error))
    return nullptr;
  return srv;
}

} // namespace nodepulse::http

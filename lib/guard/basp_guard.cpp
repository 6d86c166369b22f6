#include "lib/guard/basp_guard.hpp"

#include "lib/http/listen.hpp"
#include "lib/prom/metrics_text.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <list>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace nodepulse::guard {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// BASP 0.17 operations (caf/io/basp/message_type.hpp) and its one flag
// that names a receiver instead of an id.
enum : unsigned char {
  server_handshake = 0,
  client_handshake = 1,
  direct_message = 2,
  routed_message = 3,
  monitor_message = 4,
  down_message = 5,
  heartbeat = 6,
};
constexpr unsigned char named_receiver_flag = 0x01;
constexpr size_t header_size = 32;

uint64_t big_endian(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

std::string render_guard_metrics(const basp_guard_stats& s) {
  prom::metrics_text t;
  auto d = [](const std::atomic<uint64_t>& v) { return static_cast<double>(v.load()); };
  t.one("nodepulse_ingest_caf_guard_connections", "gauge",
        "Connections open through the guard in front of CAF's port (caf.listen).", d(s.open));
  t.one("nodepulse_ingest_caf_guard_connections_accepted_total", "counter",
        "Connections the CAF guard accepted.", d(s.accepted));
  t.one("nodepulse_ingest_caf_guard_connections_refused_total", "counter",
        "Connections closed at once: caf.max_connections or its per-address limit.", d(s.refused));
  t.one("nodepulse_ingest_caf_guard_handshake_timeouts_total", "counter",
        "Connections closed for not completing TLS and the BASP handshake in time.",
        d(s.handshake_timeouts));
  t.one("nodepulse_ingest_caf_guard_tls_failures_total", "counter",
        "TLS handshakes that failed (no certificate, or one the CA did not sign).",
        d(s.tls_failures));
  t.one("nodepulse_ingest_caf_guard_refused_messages_total", "counter",
        "Connections closed for a BASP message not allowed: too large, to another actor "
        "than the gateway, to a named actor, routed.",
        d(s.closed_for_frames));
  return t.take();
}

std::string basp_header_problem(const unsigned char* h, bool first, uint64_t gateway_actor_id,
                                uint32_t max_payload_bytes) {
  // operation | pad | pad | flags | u32 payload length | u64 operation data |
  // u64 source actor | u64 destination actor, in network byte order.
  auto op = h[0];
  auto payload = big_endian(h + 4, 4);
  if (payload > max_payload_bytes)
    return "a message of " + std::to_string(payload) + " bytes (at most "
           + std::to_string(max_payload_bytes) + ")";
  // CAF's client may repeat its handshake (it sends one on connecting and
  // one in answer to the server's), but never starts with anything else.
  if (first && op != client_handshake)
    return "no handshake first (operation " + std::to_string(op) + ")";
  switch (op) {
    case client_handshake:
    case monitor_message:
    case down_message:
    case heartbeat:
      return "";
    case direct_message:
      if ((h[3] & named_receiver_flag) != 0)
        return "a message to a named actor (CAF's built-in ones are not for peers)";
      if (big_endian(h + 24, 8) != gateway_actor_id)
        return "a message to actor " + std::to_string(big_endian(h + 24, 8)) + ", not the gateway";
      return "";
    case routed_message:
      return "a message to be routed through this node";
    default:
      return "operation " + std::to_string(op);
  }
}

namespace {

struct context;

struct closable {
  virtual ~closable() = default;
  virtual void close_now() = 0;
};

// What every connection shares; owned by the guard, outlives its sessions
// (stop() drains them).
struct context {
  explicit context(const basp_guard_settings& s)
    : settings(s), tls(ssl::context::tls_server),
      shared_stats(s.stats ? s.stats : std::make_shared<basp_guard_stats>()), stats(*shared_stats) {
  }
  basp_guard_settings settings;
  std::function<void(const std::string&)> log;
  net::io_context ioc{1};
  ssl::context tls;
  bool use_tls = false;
  std::shared_ptr<basp_guard_stats> shared_stats;
  basp_guard_stats& stats;
  std::unordered_map<std::string, size_t> per_address; // the I/O thread's only
  std::list<std::weak_ptr<closable>> open;             // likewise
};

template <class Stream>
class session : public closable, public std::enable_shared_from_this<session<Stream>> {
public:
  static constexpr bool tls = !std::is_same_v<Stream, tcp::socket>;

  template <class... Args>
  session(context& ctx, std::string peer, Args&&... args)
    : ctx_(ctx), peer_(std::move(peer)), client_(std::forward<Args>(args)...), upstream_(ctx.ioc),
      deadline_(ctx.ioc) {
    ctx_.stats.open.fetch_add(1, std::memory_order_relaxed);
  }

  ~session() override {
    ctx_.stats.open.fetch_sub(1, std::memory_order_relaxed);
    auto it = ctx_.per_address.find(peer_);
    if (it != ctx_.per_address.end() && --it->second == 0)
      ctx_.per_address.erase(it);
    ctx_.open.erase(entry_);
  }

  void run() {
    entry_ = ctx_.open.insert(ctx_.open.end(), this->weak_from_this());
    deadline_.expires_after(ctx_.settings.handshake_timeout);
    deadline_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec || self->handshaken_)
        return;
      self->ctx_.stats.handshake_timeouts.fetch_add(1, std::memory_order_relaxed);
      self->close("no handshake within the handshake timeout");
    });
    if constexpr (tls) {
      client_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec) {
                                  self->ctx_.stats.tls_failures.fetch_add(1);
                                  return self->close("");
                                }
                                self->connect_upstream();
                              });
    } else {
      connect_upstream();
    }
  }

  void close_now() override { close(""); }

private:
  tcp::socket& client_socket() {
    if constexpr (tls)
      return client_.next_layer();
    else
      return client_;
  }

  void connect_upstream() {
    tcp::endpoint up{net::ip::make_address("127.0.0.1"), ctx_.settings.upstream_port};
    upstream_.async_connect(up, [self = this->shared_from_this()](error_code ec) {
      if (ec)
        return self->close("the gateway's own port did not answer: " + ec.message());
      self->read_client();
      self->read_upstream();
    });
  }

  void read_client() {
    client_.async_read_some(net::buffer(from_client_),
                            [self = this->shared_from_this()](error_code ec, size_t n) {
                              if (ec)
                                return self->close("");
                              auto problem = self->inspect(n);
                              if (!problem.empty()) {
                                self->ctx_.stats.closed_for_frames.fetch_add(1);
                                return self->close(problem);
                              }
                              net::async_write(self->upstream_, net::buffer(self->from_client_, n),
                                               [self](error_code wec, size_t) {
                                                 if (wec)
                                                   return self->close("");
                                                 self->read_client();
                                               });
                            });
  }

  void read_upstream() {
    upstream_.async_read_some(
      net::buffer(from_upstream_), [self = this->shared_from_this()](error_code ec, size_t n) {
        if (ec)
          return self->close("");
        net::async_write(self->client_, net::buffer(self->from_upstream_, n),
                         [self](error_code wec, size_t) {
                           if (wec)
                             return self->close("");
                           self->read_upstream();
                         });
      });
  }

  // Walks the n bytes just read: payloads are skipped, headers checked.
  std::string inspect(size_t n) {
    size_t i = 0;
    while (i < n) {
      if (payload_left_ > 0) {
        auto take = std::min<uint64_t>(payload_left_, n - i);
        payload_left_ -= take;
        i += take;
        continue;
      }
      auto take = std::min(header_size - header_have_, n - i);
      std::copy_n(from_client_.begin() + static_cast<std::ptrdiff_t>(i), take,
                  header_.begin() + static_cast<std::ptrdiff_t>(header_have_));
      header_have_ += take;
      i += take;
      if (header_have_ < header_size)
        break;
      header_have_ = 0;
      auto problem =
        basp_header_problem(header_.data(), !handshaken_, ctx_.settings.gateway_actor_id,
                            ctx_.settings.max_payload_bytes);
      if (!problem.empty())
        return problem;
      if (!handshaken_) {
        handshaken_ = true;
        deadline_.cancel();
      }
      payload_left_ = big_endian(header_.data() + 4, 4);
    }
    return "";
  }

  void close(const std::string& why) {
    if (closed_)
      return;
    closed_ = true;
    if (!why.empty() && ctx_.log)
      ctx_.log("caf guard: closed the connection from " + peer_ + ": " + why);
    error_code ignored;
    deadline_.cancel();
    client_socket().close(ignored);
    upstream_.close(ignored);
  }

  context& ctx_;
  std::string peer_;
  Stream client_;
  tcp::socket upstream_;
  net::steady_timer deadline_;
  std::array<unsigned char, 64 * 1024> from_client_{};
  std::array<unsigned char, 64 * 1024> from_upstream_{};
  std::array<unsigned char, header_size> header_{};
  size_t header_have_ = 0;
  uint64_t payload_left_ = 0;
  bool handshaken_ = false;
  bool closed_ = false;
  std::list<std::weak_ptr<closable>>::iterator entry_;
};

class asio_guard final : public basp_guard {
public:
  explicit asio_guard(const basp_guard_settings& s) : ctx_(s), acceptor_(ctx_.ioc) {}

  ~asio_guard() override { stop(); }

  bool open(std::string& error) {
    const auto& s = ctx_.settings;
    ctx_.use_tls = !s.tls_cert_file.empty();
    if (ctx_.use_tls) {
      try {
        ctx_.tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                             | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                             | ssl::context::no_tlsv1_1);
        ctx_.tls.use_certificate_chain_file(s.tls_cert_file);
        ctx_.tls.use_private_key_file(s.tls_key_file, ssl::context::pem);
        ctx_.tls.load_verify_file(s.tls_client_ca_file);
        ctx_.tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      } catch (const std::exception& e) {
        error = std::string{"TLS files: "} + e.what();
        return false;
      }
    }
    if (!http::listen_on(acceptor_, s.host, s.port, error))
      return false;
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread{[this] { ctx_.ioc.run(); }};
    return true;
  }

  uint16_t port() const override { return port_; }
  const basp_guard_stats& stats() const override { return ctx_.stats; }

  void stop() override {
    if (stopped_)
      return;
    stopped_ = true;
    ctx_.ioc.stop();
    if (thread_.joinable())
      thread_.join();
    // Close what is open and let the aborted handlers run here, so every
    // session is gone before the context is.
    error_code ignored;
    acceptor_.close(ignored);
    std::vector<std::shared_ptr<closable>> open;
    for (auto& weak : ctx_.open)
      if (auto s = weak.lock())
        open.push_back(std::move(s));
    for (auto& s : open)
      s->close_now();
    open.clear();
    ctx_.ioc.restart();
    ctx_.ioc.run();
  }

  std::function<void(const std::string&)>& log() { return ctx_.log; }

private:
  void accept() {
    acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted)
        return;
      if (!ec)
        admit(std::move(socket));
      if (ec == net::error::no_descriptors || ec.value() == ENFILE) {
        pause_ = std::make_unique<net::steady_timer>(ctx_.ioc, std::chrono::milliseconds{100});
        pause_->async_wait([this](error_code wait_ec) {
          if (!wait_ec)
            accept();
        });
        return;
      }
      accept();
    });
  }

  void admit(tcp::socket socket) {
    error_code ignored;
    auto peer = socket.remote_endpoint(ignored).address().to_string();
    auto& s = ctx_.settings;
    auto& per = ctx_.per_address[peer];
    if (ctx_.stats.open.load() >= s.max_connections || per >= s.max_connections_per_address) {
      if (per == 0)
        ctx_.per_address.erase(peer);
      ctx_.stats.refused.fetch_add(1, std::memory_order_relaxed);
      socket.close(ignored);
      return;
    }
    ++per;
    ctx_.stats.accepted.fetch_add(1, std::memory_order_relaxed);
    if (ctx_.use_tls)
      std::make_shared<session<ssl::stream<tcp::socket>>>(ctx_, std::move(peer), std::move(socket),
                                                          ctx_.tls)
        ->run();
    else
      std::make_shared<session<tcp::socket>>(ctx_, std::move(peer), std::move(socket))->run();
  }

  context ctx_;
  tcp::acceptor acceptor_;
  std::unique_ptr<net::steady_timer> pause_;
  std::thread thread_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

} // namespace

std::unique_ptr<basp_guard> basp_guard::start(const basp_guard_settings& settings,
                                              std::function<void(const std::string&)> log,
                                              std::string& error) {
  auto g = std::make_unique<asio_guard>(settings);
  g->log() = std::move(log);
  if (!g->open(error))
    return nullptr;
  return g;
}

} // namespace nodepulse::guard

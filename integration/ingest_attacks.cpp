#define CAF_SUITE ingest_attacks
#include <caf/test/unit_test.hpp>

// Hostile requests against a real `nodepulse ingest`: each is answered as
// docs/security.md says, the node's peak memory stays under the bound
// stated there, and a well-behaved agent pushing beside the attack keeps
// getting 200s. Peak RSS and the agent's slowest push are printed for
// docs/security.md; they are figures, not assertions, except the bounds.

#include "integration/support/http_client.hpp"
#include "integration/support/node_process.hpp"
#include "integration/support/postgres_server.hpp"
#include "integration/support/redis_server.hpp"
#include "lib/ingest/agent_auth.hpp"
#include "unit/support/compress.hpp"
#include "unit/support/plan_example.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <thread>
#include <vector>

using namespace nodepulse;
using test::ingest_process;

namespace {

constexpr const char* server_a = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";
const std::string push_target = std::string{"/metrics/prometheus?server_id="} + server_a;

std::string status_line(const std::string& raw) {
  return raw.substr(0, raw.find("\r\n"));
}

// An agent that behaves: one push every 100 ms while it lives.
class steady_agent {
public:
  // With a token, pushes as its server (auth mode token).
  explicit steady_agent(int port, std::string token = "")
    : port_(port), token_(std::move(token)), thread_([this] { run(); }) {}

  ~steady_agent() { stop(); }

  void stop() {
    running_ = false;
    if (thread_.joinable())
      thread_.join();
  }

  int pushes() const { return pushes_; }
  int failures() const { return failures_; }
  double slowest_ms() const { return slowest_ms_; }

private:
  void run() {
    while (running_) {
      auto started = std::chrono::steady_clock::now();
      std::map<std::string, std::string> headers{{"Content-Type", "text/plain; version=0.0.4"}};
      if (!token_.empty())
        headers["Authorization"] = "Bearer " + token_;
      auto res =
        test::http_request(port_, "POST", token_.empty() ? push_target : "/metrics/prometheus",
                           test::plan_example_body, headers);
      auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
          .count();
      ++pushes_;
      if (res.status != 200)
        ++failures_;
      slowest_ms_ = std::max(slowest_ms_.load(), ms);
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
  }

  int port_;
  std::string token_;
  std::atomic<bool> running_{true};
  std::atomic<int> pushes_{0};
  std::atomic<int> failures_{0};
  std::atomic<double> slowest_ms_{0};
  std::thread thread_;
};

// A connection from `source` (any 127.x.y.z: all are loopback on Linux) to
// the node, sending nothing; -1 on failure.
int connect_from(const char* source, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0
      || ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    if (fd >= 0)
      ::close(fd);
    return -1;
  }
  return fd;
}

// True when the server closes `fd` within `wait_ms`, whatever it sends
// first (CAF's port greets with its handshake).
bool closed_within(int fd, int wait_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{wait_ms};
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
      return false;
    if (::recv(fd, buf, sizeof buf, 0) <= 0)
      return true;
  }
}

// How many of `fds` the server has closed within `wait_ms` (in all).
int closed_count(const std::vector<int>& fds, int wait_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{wait_ms};
  int closed = 0;
  for (int fd : fds) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    closed += closed_within(fd, static_cast<int>(std::max<int64_t>(left, 1))) ? 1 : 0;
  }
  return closed;
}

// A BASP header as CAF 0.17 writes it (network byte order): operation,
// two padding bytes, flags, payload length, operation data, source and
// destination actor.
std::string basp_header(unsigned char op, unsigned char flags, uint32_t payload,
                        uint64_t dest_actor) {
  std::string h(32, '\0');
  h[0] = static_cast<char>(op);
  h[3] = static_cast<char>(flags);
  for (int i = 0; i < 4; ++i)
    h[4 + i] = static_cast<char>(payload >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i)
    h[24 + i] = static_cast<char>(dest_actor >> (56 - 8 * i));
  return h;
}

// The node, an agent beside it, and the figures of one attack.
struct fixture {
  test::redis_server redis;
  std::string dir; // the tokens file's, removed afterwards

  ~fixture() {
    if (!dir.empty())
      std::system(("rm -rf '" + dir + "'").c_str());
  }

  // Token mode with a tokens file holding "tok-a" for server_a.
  std::string token_mode_yaml() {
    char tmpl[] = "/tmp/nodepulse-tokens-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
      CAF_FAIL("mkdtemp failed");
    dir = tmpl;
    std::ofstream{dir + "/tokens"} << server_a << " " << ingest::hash_token("tok-a") << "\n";
    return "auth:\n  mode: token\n  tokens_file: \"" + dir + "/tokens\"\n";
  }

  // Stops the agent, prints the figures and checks the bound and that the
  // agent was never turned away.
  static void report(const char* attack, const ingest_process& ingest, steady_agent& agent,
                     long bound_kib) {
    agent.stop();
    long peak = ingest.memory_kib("VmHWM");
    std::printf("attack: %s | peak RSS %.1f MiB (bound %.0f MiB) | agent pushes %d, "
                "failed %d, slowest %.1f ms\n",
                attack, peak / 1024.0, bound_kib / 1024.0, agent.pushes(), agent.failures(),
                agent.slowest_ms());
    CAF_CHECK_GREATER(peak, 0);
    CAF_CHECK_LESS(peak, bound_kib);
    CAF_CHECK_GREATER(agent.pushes(), 0);
    CAF_CHECK_EQUAL(agent.failures(), 0);
  }
};

// The node's own memory plus what the attacks may cost on top: the parser's
// working set for one push at the limits, never the attack's size.
constexpr long bound_kib = 160 * 1024;

} // namespace

CAF_TEST_FIXTURE_SCOPE(ingest_attack_tests, fixture)

CAF_TEST(a JSON nesting bomb is refused without being inflated or built) {
  ingest_process ingest{redis.port(), ""};
  steady_agent agent{ingest.port()};
  // 64 Mi of '[' in 65 KB of gzip, and 10 MiB of it in plain text.
  auto bomb = test::gzip(std::string(64u << 20, '['), 9);
  auto res = ingest.post("/metrics", bomb,
                         {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  CAF_CHECK_EQUAL(res.status, 413);
  CAF_CHECK(res.body.find("the legacy report's limit (65536 bytes)") != std::string::npos);
  auto plain = ingest.post("/metrics", std::string((10u << 20) - 1, '['),
                           {{"Content-Type", "application/json"}});
  CAF_CHECK_EQUAL(plain.status, 413);
  auto nested =
    ingest.post("/metrics", std::string(1000, '['), {{"Content-Type", "application/json"}});
  CAF_CHECK_EQUAL(nested.status, 400);
  CAF_CHECK(nested.body.find("nested deeper than 8 levels at line 1, column 9")
            != std::string::npos);
  report("JSON nesting bomb", ingest, agent, bound_kib);
  CAF_CHECK_EQUAL(redis.read_stream().size(), static_cast<size_t>(agent.pushes()));
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(metric families without samples stop at the family limit) {
  ingest_process ingest{redis.port(), ""};
  steady_agent agent{ingest.port()};
  std::string text;
  for (int i = 0; i < 1'000'000; ++i)
    text += "# TYPE metric_" + std::to_string(i) + " gauge\n";
  auto res = ingest.post(push_target, test::gzip(text, 6), {{"Content-Encoding", "gzip"}});
  CAF_CHECK_EQUAL(res.status, 413);
  CAF_CHECK(res.body.find("too many metric families (limit 10000)") != std::string::npos);
  CAF_CHECK(res.body.find(R"("line":10001)") != std::string::npos);
  report("1 M TYPE lines", ingest, agent, bound_kib);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(NUL bytes are refused with line and column and never reach the stream) {
  ingest_process ingest{redis.port(), ""};
  auto value = ingest.post(push_target, std::string{"ok 1\nbad{x=\"a"} + '\0' + "b\"} 1\n");
  CAF_CHECK_EQUAL(value.status, 400);
  CAF_CHECK(value.body.find(R"("line":2,"column":9)") != std::string::npos);
  CAF_CHECK(value.body.find("NUL byte") != std::string::npos);
  auto help = ingest.post(push_target, std::string{"# HELP a x"} + '\0' + "\na 1\n");
  CAF_CHECK_EQUAL(help.status, 400);
  CAF_CHECK(help.body.find(R"("line":1,"column":11)") != std::string::npos);
  auto json = ingest.post("/metrics",
                          std::string{R"({"server_id":")"} + server_a
                            + R"(","system_info":{"hostname":"a\u0000b"}})",
                          {{"Content-Type", "application/json"}});
  CAF_CHECK_EQUAL(json.status, 400);
  CAF_CHECK_EQUAL(redis.read_stream().size(), 0u);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(chunked trailers never become headers) {
  ingest_process ingest{redis.port(), token_mode_yaml()};
  auto chunked = [&](const std::string& headers, const std::string& trailer) {
    std::string body = test::plan_example_body;
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    return test::raw_exchange(ingest.port(),
                              "POST /metrics/prometheus HTTP/1.1\r\nHost: x\r\n"
                              "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                                + headers + "Connection: close\r\n\r\n" + size + "\r\n" + body
                                + "\r\n0\r\n" + trailer + "\r\n",
                              3000);
  };
  // A trailer Authorization authenticates nothing.
  CAF_CHECK_EQUAL(status_line(chunked("", "Authorization: Bearer tok-a\r\n")),
                  "HTTP/1.1 401 Unauthorized");
  // A trailer X-Batch-Id names nothing: the header's id is the one stored.
  CAF_CHECK_EQUAL(status_line(chunked("Authorization: Bearer tok-a\r\nX-Batch-Id: mine\r\n",
                                      "X-Batch-Id: theirs\r\n")),
                  "HTTP/1.1 200 OK");
  auto stream = redis.read_stream();
  CAF_REQUIRE_EQUAL(stream.size(), 1u);
  CAF_CHECK_EQUAL(stream[0]["batch_id"], "mine");
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(framing other than a final chunked or a length is a 400 and nothing more) {
  ingest_process ingest{redis.port(), ""};
  std::string body = test::plan_example_body;
  // Framed by the length, the rest would be a second request (smuggling).
  auto smuggled = test::raw_exchange(ingest.port(),
                                     "POST " + push_target
                                       + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                                         "Transfer-Encoding: chunked, identity\r\nContent-Length: "
                                       + std::to_string(body.size()) + "\r\n\r\n" + body
                                       + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                                     3000);
  CAF_CHECK_EQUAL(status_line(smuggled), "HTTP/1.1 400 Bad Request");
  CAF_CHECK_EQUAL(smuggled.find("HTTP/1.1", 1), std::string::npos); // one answer only
  auto both = test::raw_exchange(ingest.port(),
                                 "POST " + push_target
                                   + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                     "Content-Length: 5\r\n\r\n0\r\n\r\n",
                                 3000);
  CAF_CHECK_EQUAL(status_line(both), "HTTP/1.1 400 Bad Request");
  CAF_CHECK_EQUAL(redis.read_stream().size(), 0u);
  // Expect: 100-continue, small and large: 100 once admitted, then the answer.
  for (size_t padding : {size_t{0}, size_t{20'000}}) {
    std::string big = std::string(padding, '#') + (padding ? "\n" : "") + body;
    auto expect =
      test::raw_exchange(ingest.port(),
                         "POST " + push_target
                           + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                             "Expect: 100-continue\r\nConnection: close\r\nContent-Length: "
                           + std::to_string(big.size()) + "\r\n\r\n" + big,
                         3000);
    CAF_CHECK_EQUAL(status_line(expect), "HTTP/1.1 100 Continue");
    CAF_CHECK_NOT_EQUAL(expect.find("HTTP/1.1 200 OK"), std::string::npos);
  }
  CAF_CHECK_EQUAL(redis.read_stream().size(), 2u);
  // HEAD: the header GET would send, no body.
  auto head = test::raw_exchange(
    ingest.port(), "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
  CAF_CHECK_EQUAL(status_line(head), "HTTP/1.1 200 OK");
  CAF_CHECK(head.find("Content-Length: 15\r\n") != std::string::npos);
  CAF_CHECK_EQUAL(head.substr(head.find("\r\n\r\n") + 4), "");
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(a refused push is answered on its header and its body never read) {
  ingest_process ingest{redis.port(), token_mode_yaml()};
  // 200 connections, each announcing 9 MiB and sending 1 MiB of it with a
  // wrong token: each gets its 401 at once, and none is held.
  const std::string head = "POST /metrics/prometheus HTTP/1.1\r\nHost: x\r\n"
                           "Content-Type: text/plain\r\nAuthorization: Bearer wrong\r\n"
                           "Content-Length: 9437184\r\n\r\n";
  const std::string chunk(1 << 20, '#');
  steady_agent agent{ingest.port(), "tok-a"};
  std::vector<int> fds;
  int answered = 0;
  for (int i = 0; i < 200; ++i) {
    int fd = test::open_idle_connection(ingest.port());
    CAF_REQUIRE_GREATER_OR_EQUAL(fd, 0);
    ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    fds.push_back(fd);
  }
  char buf[64];
  for (int fd : fds) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) > 0 && ::recv(fd, buf, sizeof buf, 0) > 12
        && std::string(buf, 12) == "HTTP/1.1 401")
      ++answered;
    ::close(fd);
  }
  CAF_CHECK_EQUAL(answered, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds{300}); // a few pushes after it
  report("200 x 9 MiB bodies with a wrong token", ingest, agent, bound_kib);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(one address cannot take every connection and the status listener answers a flood) {
  int status_port = test::free_loopback_port();
  ingest_process ingest{redis.port(), "limits:\n  max_connections: 64\n"
                                      "  max_connections_per_address: 24\n"
                                      "status:\n  listen: \"127.0.0.1:"
                                        + std::to_string(status_port) + "\"\n"};
  steady_agent agent{ingest.port()}; // from 127.0.0.1
  // One address opens 40: it keeps 24, the rest are closed at once.
  std::vector<int> first;
  for (int i = 0; i < 40; ++i)
    first.push_back(connect_from("127.0.0.2", ingest.port()));
  std::vector<int> kept(first.begin(), first.begin() + 24), over(first.begin() + 24, first.end());
  CAF_CHECK_EQUAL(closed_count(over, 2000), 16);
  CAF_CHECK_EQUAL(closed_count(kept, 200), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds{500}); // the agent pushes on
  report("40 idle connections from one address", ingest, agent, bound_kib);
  CAF_CHECK_EQUAL(test::metric_value(ingest.get("/metrics").body,
                                     "nodepulse_ingest_http_connections_refused_per_address_total"),
                  16.0);
  // Two more addresses fill the node: the push listener is full, the
  // status listener still answers.
  std::vector<int> more;
  for (const char* source : {"127.0.0.3", "127.0.0.4"})
    for (int i = 0; i < 24; ++i)
      more.push_back(connect_from(source, ingest.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  auto full = test::http_request(ingest.port(), "GET", "/healthz");
  CAF_CHECK_EQUAL(full.status, 0); // closed at once: no slot
  auto health = test::http_request(status_port, "GET", "/healthz");
  CAF_CHECK_EQUAL(health.status, 200);
  CAF_CHECK_EQUAL(test::http_request(status_port, "GET", "/readyz").status, 200);
  auto metrics = test::http_request(status_port, "GET", "/metrics");
  CAF_CHECK_EQUAL(metrics.status, 200);
  CAF_CHECK_GREATER(
    test::metric_value(metrics.body, "nodepulse_ingest_http_connections_refused_total"), 0.0);
  // Pushes do not go to the status listener.
  CAF_CHECK_EQUAL(test::http_request(status_port, "POST", push_target, test::plan_example_body,
                                     {{"Content-Type", "text/plain"}})
                    .status,
                  404);
  for (int fd : first)
    ::close(fd);
  for (int fd : more)
    ::close(fd);
  CAF_CHECK(test::eventually([&] { return ingest.get("/healthz").status == 200; }));
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(random tokens cannot drive the token database) {
  test::postgres_server pg;
  CAF_REQUIRE(pg.psql_file(NODEPULSE_SOURCE_DIR "/sql/001_agent_tokens.sql"));
  CAF_REQUIRE(pg.psql("INSERT INTO admiral.agent_tokens (token_hash, server_id) VALUES ('"
                      + ingest::hash_token("tok-a") + "', '" + server_a + "')"));
  ingest_process ingest{redis.port(),
                        "auth:\n  mode: token\n  postgres_dsn: \"" + pg.dsn() + "\"\n"};
  steady_agent agent{ingest.port(), "tok-a"};
  auto started = std::chrono::steady_clock::now();
  int limited = 0, looked_up = 0;
  for (int i = 0; i < 500; ++i) {
    auto res = ingest.post("/metrics/prometheus", test::plan_example_body,
                           {{"Authorization", "Bearer random-" + std::to_string(i)}});
    limited += res.status == 429 ? 1 : 0;
    looked_up += res.status == 401 ? 1 : 0; // each unknown token is one database query
  }
  double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("attack: 500 random tokens from one address in %.1f s | %d database lookups "
              "(401), %d answered 429 without one\n",
              seconds, looked_up, limited);
  // The burst (20) and one a second pass; the rest never reach the database.
  CAF_CHECK_EQUAL(looked_up + limited, 500);
  CAF_CHECK_LESS_OR_EQUAL(looked_up, 20 + static_cast<int>(seconds) + 1);
  CAF_CHECK_EQUAL(
    test::metric_value(ingest.get("/metrics").body, "nodepulse_ingest_token_lookups_limited_total"),
    static_cast<double>(limited));
  report("500 random tokens", ingest, agent, bound_kib);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(a Valkey password is used and never shown) {
  redis.config_set("requirepass", "s3cret-pw");
  auto node_with = [&](const std::string& password) {
    int port = test::free_loopback_port();
    return std::make_unique<test::node_process>(
      "ingest", port,
      "listen: \"127.0.0.1:" + std::to_string(port) + "\"\nvalkey:\n  url: \"redis://:" + password
        + "@127.0.0.1:" + std::to_string(redis.port()) + "\"\n");
  };
  auto ingest = node_with("s3cret-pw");
  CAF_CHECK_EQUAL(ingest->post(push_target, test::plan_example_body).status, 200);
  auto shown = ingest->log() + ingest->get("/readyz").body + ingest->get("/metrics").body;
  CAF_CHECK_EQUAL(shown.find("s3cret-pw"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(ingest->log().find("redis://:***@127.0.0.1:"), std::string::npos);
  CAF_CHECK_EQUAL(ingest->stop(), 0);
  // A wrong password: not ready, saying so, and not saying the password.
  auto wrong = node_with("bad-pw-123");
  auto ready = wrong->get("/readyz");
  CAF_CHECK_EQUAL(ready.status, 503);
  CAF_CHECK_NOT_EQUAL(ready.body.find("AUTH refused"), std::string::npos);
  CAF_CHECK_EQUAL((wrong->log() + ready.body).find("bad-pw-123"), std::string::npos);
  CAF_CHECK_EQUAL(wrong->stop(), 0);
}

CAF_TEST(the CAF port lets no peer announce gigabytes reach other actors or sit idle) {
  int caf_port = test::free_loopback_port();
  ingest_process ingest{redis.port(), "caf:\n  listen: \"127.0.0.1:" + std::to_string(caf_port)
                                        + "\"\n  handshake_timeout: 1s\n"
                                          "  max_connections_per_address: 8\n"};
  steady_agent agent{ingest.port()};
  auto send_all = [](int fd, const std::string& bytes) {
    return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL)
           == static_cast<ssize_t>(bytes.size());
  };
  // A handshake announcing 4 GiB, twice: closed before CAF reads a byte.
  for (int i = 0; i < 2; ++i) {
    int fd = connect_from("127.0.0.1", caf_port);
    CAF_REQUIRE_GREATER_OR_EQUAL(fd, 0);
    CAF_CHECK(send_all(fd, basp_header(1, 0, 0xFFFFFFFFu, 0)));
    CAF_CHECK(closed_within(fd, 3000));
    ::close(fd);
  }
  // A message to one of CAF's built-in actors by name (ConfigServ) after
  // a handshake: closed.
  int named = connect_from("127.0.0.1", caf_port);
  CAF_CHECK(
    send_all(named, basp_header(1, 0, 0, 0) + basp_header(2, 1, 16, 0) + std::string(16, 'x')));
  CAF_CHECK(closed_within(named, 3000));
  ::close(named);
  // Ten idle peers from one address: two refused at once, eight closed
  // when their second to shake hands is up.
  std::vector<int> idle;
  for (int i = 0; i < 10; ++i)
    idle.push_back(connect_from("127.0.0.3", caf_port));
  CAF_CHECK_EQUAL(closed_count(std::vector<int>(idle.begin() + 8, idle.end()), 1000), 2);
  CAF_CHECK_EQUAL(closed_count(std::vector<int>(idle.begin(), idle.begin() + 8), 5000), 8);
  for (int fd : idle)
    ::close(fd);
  auto metrics = ingest.get("/metrics").body;
  CAF_CHECK_EQUAL(test::metric_value(metrics, "nodepulse_ingest_caf_guard_refused_messages_total"),
                  3.0);
  CAF_CHECK_EQUAL(
    test::metric_value(metrics, "nodepulse_ingest_caf_guard_connections_refused_total"), 2.0);
  CAF_CHECK_GREATER_OR_EQUAL(
    test::metric_value(metrics, "nodepulse_ingest_caf_guard_handshake_timeouts_total"), 8.0);
  auto log = ingest.log();
  CAF_CHECK_NOT_EQUAL(log.find("a message of 4294967295 bytes"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(log.find("a message to a named actor"), std::string::npos);
  report("CAF port: 4 GiB announced, a named actor, 10 idle peers", ingest, agent, bound_kib);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()

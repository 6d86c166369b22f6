#include "runtime/bench/fleet_bench.hpp"

#include "runtime/bench/generated_ids.hpp"
#include "runtime/bench/push_connection.hpp"

#include "lib/base/read_input.hpp"
#include "lib/prom/parser.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace nodepulse::bench {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

constexpr const char* usage =
  "usage: nodepulse-bench fleet [options] BODY_FILE\n"
  "  --connect HOST:PORT   the ingest (default 127.0.0.1:8080), plain HTTP\n"
  "  --agents N            simulated agents, each its own server (2000)\n"
  "  --interval-ms MS      a scrape every MS per agent (15000)\n"
  "  --seconds S           how long scrapes are taken (60)\n"
  "  --drain-seconds S     then how long unacknowledged ones are retried (120)\n"
  "  --max-retry-ms MS     the longest wait before a retry, Retry-After included (5000)\n"
  "  --epoch HEX16         the agents' WAL epoch (default from the clock)\n"
  "  --acked FILE          write every acknowledged batch id to FILE\n";

struct options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string body_file;
  std::string acked_file;
  std::string epoch;
  int agents = 2000;
  int interval_ms = 15'000;
  int seconds = 60;
  int drain_seconds = 120;
  int max_retry_ms = 5'000;
};

// What every agent adds to (one I/O thread: no locking).
struct fleet_figures {
  uint64_t scrapes = 0;
  uint64_t acked = 0;
  uint64_t refused = 0;     // non-2xx answers
  uint64_t conn_errors = 0; // connect, write or read failed
  std::map<int, uint64_t> statuses;
  double window_max_ack_ms = 0; // slowest scrape-to-ack in the current 10 s
  double max_ack_ms = 0;
  std::vector<std::string> acked_ids;
};

class simulated_agent : public std::enable_shared_from_this<simulated_agent> {
public:
  simulated_agent(net::io_context& ioc, const tcp::resolver::results_type& endpoints,
                  const options& opts, const std::string& body, int index,
                  steady::time_point stop_scraping, steady::time_point give_up, fleet_figures& out)
    : server_id_(generated_server_id("9000", index)),
      conn_(ioc, endpoints, opts.host, "/metrics/prometheus?server_id=" + server_id_, body),
      tick_(ioc), retry_(ioc), opts_(opts), stop_scraping_(stop_scraping), give_up_(give_up),
      out_(out) {}

  // The first scrape after `delay`, so the fleet spreads over the interval.
  void start(std::chrono::milliseconds delay) {
    next_tick_ = steady::now() + delay;
    tick_.expires_at(next_tick_);
    tick_.async_wait([self = shared_from_this()](beast::error_code) { self->on_tick(); });
  }

private:
  void on_tick() {
    if (steady::now() >= stop_scraping_)
      return;
    taken_at_.push_back(steady::now());
    ++out_.scrapes;
    next_tick_ += std::chrono::milliseconds{opts_.interval_ms};
    tick_.expires_at(next_tick_);
    tick_.async_wait([self = shared_from_this()](beast::error_code) { self->on_tick(); });
    pump();
  }

  // Pushes the oldest unacknowledged scrape if nothing is on its way.
  void pump() {
    if (busy_ || acked_ == taken_at_.size() || steady::now() >= give_up_)
      return;
    busy_ = true;
    conn_.post(batch_id(acked_ + 1),
               [self = shared_from_this()](beast::error_code ec) { self->on_response(ec); });
  }

  void on_response(beast::error_code ec) {
    if (ec) {
      ++out_.conn_errors;
      return retry_in(200);
    }
    const auto& res = conn_.answer();
    int status = static_cast<int>(res.result_int());
    ++out_.statuses[status];
    if (status < 200 || status >= 300) {
      ++out_.refused;
      int wait_ms = 1000;
      auto retry_after = res[bhttp::field::retry_after];
      if (!retry_after.empty())
        wait_ms = std::atoi(std::string{retry_after}.c_str()) * 1000;
      return retry_in(std::clamp(wait_ms, 100, opts_.max_retry_ms));
    }
    double ms =
      std::chrono::duration<double, std::milli>(steady::now() - taken_at_[acked_]).count();
    out_.window_max_ack_ms = std::max(out_.window_max_ack_ms, ms);
    out_.max_ack_ms = std::max(out_.max_ack_ms, ms);
    ++acked_;
    ++out_.acked;
    out_.acked_ids.push_back(batch_id(acked_));
    busy_ = false;
    pump();
  }

  void retry_in(int ms) {
    retry_.expires_after(std::chrono::milliseconds{ms});
    retry_.async_wait([self = shared_from_this()](beast::error_code) {
      self->busy_ = false;
      self->pump();
    });
  }

  std::string batch_id(uint64_t sequence) const {
    return server_id_ + ":" + opts_.epoch + ":" + std::to_string(sequence);
  }

  std::string server_id_;
  push_connection conn_;
  net::steady_timer tick_;
  net::steady_timer retry_;
  const options& opts_;
  steady::time_point stop_scraping_, give_up_, next_tick_;
  fleet_figures& out_;
  std::vector<steady::time_point> taken_at_; // scrape i+1 taken at [i]
  uint64_t acked_ = 0;                       // scrapes 1..acked_ acknowledged
  bool busy_ = false;                        // a push or its retry wait under way
};

bool parse_options(int argc, char** argv, options& opts) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--connect") {
      if (!split_host_port(value(), opts.host, opts.port))
        return false;
    } else if (a == "--agents") {
      opts.agents = std::atoi(value().c_str());
    } else if (a == "--interval-ms") {
      opts.interval_ms = std::atoi(value().c_str());
    } else if (a == "--seconds") {
      opts.seconds = std::atoi(value().c_str());
    } else if (a == "--drain-seconds") {
      opts.drain_seconds = std::atoi(value().c_str());
    } else if (a == "--max-retry-ms") {
      opts.max_retry_ms = std::atoi(value().c_str());
    } else if (a == "--epoch") {
      opts.epoch = value();
    } else if (a == "--acked") {
      opts.acked_file = value();
    } else if (!a.empty() && a[0] != '-' && opts.body_file.empty()) {
      opts.body_file = a;
    } else {
      return false;
    }
  }
  bool hex16 = opts.epoch.empty()
               || (opts.epoch.size() == 16
                   && opts.epoch.find_first_not_of("0123456789abcdef") == std::string::npos);
  return !opts.body_file.empty() && opts.agents > 0 && opts.interval_ms > 0 && opts.seconds > 0
         && opts.drain_seconds >= 0 && opts.max_retry_ms >= 100 && hex16;
}

} // namespace

int fleet_bench(int argc, char** argv) {
  options opts;
  if (!parse_options(argc, argv, opts)) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string body, error;
  if (!node::read_input(opts.body_file, body, error)) {
    std::fprintf(stderr, "nodepulse-bench fleet: %s\n", error.c_str());
    return 2;
  }
  prom::sample_batch batch;
  if (!prom::parse(body, {}, batch).ok) {
    std::fprintf(stderr, "nodepulse-bench fleet: %s does not parse\n", opts.body_file.c_str());
    return 2;
  }
  if (opts.epoch.empty()) {
    char hex[17];
    std::snprintf(
      hex, sizeof hex, "%016llx",
      static_cast<unsigned long long>(std::chrono::system_clock::now().time_since_epoch().count()));
    opts.epoch = hex;
  }

  net::io_context ioc{1};
  tcp::resolver resolver{ioc};
  auto endpoints = resolver.resolve(opts.host, opts.port);
  fleet_figures out;
  auto begin = steady::now();
  auto stop_scraping = begin + std::chrono::seconds{opts.seconds};
  auto give_up = stop_scraping + std::chrono::seconds{opts.drain_seconds};
  std::mt19937 rng{7};
  std::vector<std::shared_ptr<simulated_agent>> fleet;
  for (int i = 0; i < opts.agents; ++i) {
    fleet.push_back(std::make_shared<simulated_agent>(ioc, endpoints, opts, body, i, stop_scraping,
                                                      give_up, out));
    fleet.back()->start(
      std::chrono::milliseconds{std::uniform_int_distribution<int>{0, opts.interval_ms - 1}(rng)});
  }
  std::printf("fleet: %d agents (epoch %s), a scrape of %zu samples every %d ms for %d s, "
              "then up to %d s to drain\n",
              opts.agents, opts.epoch.c_str(), batch.samples.size(), opts.interval_ms, opts.seconds,
              opts.drain_seconds);
  // A line every 10 s; done once every scrape taken is acknowledged.
  net::steady_timer reporter{ioc};
  uint64_t acked_before = 0;
  std::function<void()> report = [&] {
    auto now = steady::now();
    double t = std::chrono::duration<double>(now - begin).count();
    std::printf("  t=%5.0fs  acked %7llu (+%5llu)  refused %6llu  conn errors %6llu  "
                "backlog %6llu  slowest ack %7.0f ms\n",
                t, static_cast<unsigned long long>(out.acked),
                static_cast<unsigned long long>(out.acked - acked_before),
                static_cast<unsigned long long>(out.refused),
                static_cast<unsigned long long>(out.conn_errors),
                static_cast<unsigned long long>(out.scrapes - out.acked), out.window_max_ack_ms);
    std::fflush(stdout);
    acked_before = out.acked;
    out.window_max_ack_ms = 0;
    bool drained = now >= stop_scraping && out.acked == out.scrapes;
    if (drained || now >= give_up) {
      ioc.stop();
      return;
    }
    reporter.expires_after(std::chrono::seconds{10});
    reporter.async_wait([&](beast::error_code) { report(); });
  };
  reporter.expires_after(std::chrono::seconds{10});
  reporter.async_wait([&](beast::error_code) { report(); });
  ioc.run();

  if (!opts.acked_file.empty()) {
    std::ofstream f{opts.acked_file};
    for (const auto& id : out.acked_ids)
      f << id << '\n';
  }
  double seconds = std::chrono::duration<double>(steady::now() - begin).count();
  std::printf("fleet: %llu scrapes, %llu acknowledged (%.0f samples/s over %.0f s), %llu "
              "never acknowledged; %llu refused, %llu connection errors; slowest ack %.0f ms\n",
              static_cast<unsigned long long>(out.scrapes),
              static_cast<unsigned long long>(out.acked),
              static_cast<double>(out.acked * batch.samples.size()) / seconds, seconds,
              static_cast<unsigned long long>(out.scrapes - out.acked),
              static_cast<unsigned long long>(out.refused),
              static_cast<unsigned long long>(out.conn_errors), out.max_ack_ms);
  std::printf("  statuses");
  for (auto& [status, n] : out.statuses)
    std::printf(" %d:%llu", status, static_cast<unsigned long long>(n));
  std::printf("\n");
  return out.acked == out.scrapes ? 0 : 1;
}

} // namespace nodepulse::bench

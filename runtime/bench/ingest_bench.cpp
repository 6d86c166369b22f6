#include "runtime/bench/ingest_bench.hpp"

#include "runtime/bench/generated_ids.hpp"
#include "runtime/bench/push_connection.hpp"

#include "lib/base/read_input.hpp"
#include "lib/prom/parser.hpp"
#include "lib/remote/write_request.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace nodepulse::bench {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

constexpr const char* usage =
  "usage: nodepulse-bench ingest [options] BODY_FILE\n"
  "  --connect HOST:PORT   server (default 127.0.0.1:8080), plain HTTP\n"
  "  --path TEMPLATE       request target; {server_id} becomes each client's id\n"
  "                        (default /metrics/prometheus?server_id={server_id})\n"
  "  --clients N           concurrent keep-alive clients, each its own server (100)\n"
  "  --interval-ms MS      each client pushes every MS; 0 = as fast as it can (0)\n"
  "  --seconds S           how long to push (30)\n"
  "  --pid PID             report this process's RSS (sampled) and peak RSS\n"
  "  --remote-write        send each scrape as Prometheus remote write 1.0 (snappy\n"
  "                        protobuf, a new timestamp every push, label instance=\n"
  "                        client-N); default path /api/v1/write?server_id={server_id}\n"
  "  --step-ms MS          remote write: the time between one push's samples and the\n"
  "                        next's, from an hour ago (1000)\n"
  "  --pushes N            each client stops after N pushes (0: when --seconds end)\n";

struct options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string path = "/metrics/prometheus?server_id={server_id}";
  std::string body_file;
  int clients = 100;
  int interval_ms = 0;
  int seconds = 30;
  int pid = 0;
  bool remote_write = false;
  int step_ms = 1000;
  int pushes = 0;
};

// Figures shared by every client (one I/O thread: no locking).
struct results {
  std::vector<double> latencies_ms; // successful pushes
  std::map<int, uint64_t> statuses; // 0 = connection or protocol error
  uint64_t requests = 0;
  uint64_t reconnects = 0;
};

class client : public std::enable_shared_from_this<client> {
public:
  client(net::io_context& ioc, const tcp::resolver::results_type& endpoints, const options& opts,
         const std::string& body, const prom::sample_batch& batch, int index,
         steady::time_point end, results& out)
    : conn_(ioc, endpoints, opts.host, target_of(opts.path, index), body), timer_(ioc), opts_(opts),
      index_(index), end_(end), out_(out) {
    if (opts.remote_write) {
      instance_ = "client-" + std::to_string(index);
      encoder_ = std::make_unique<remote::write_request_encoder>(
        batch, std::vector<prom::label>{{"instance", instance_}});
      conn_.set_header("Content-Type", "application/x-protobuf");
      conn_.set_header("Content-Encoding", "snappy");
      conn_.set_header("X-Prometheus-Remote-Write-Version", "0.1.0");
      // Every push a scrape of its own: one second later than the last.
      first_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count()
                  - 3'600'000;
    }
  }

  // Starts after `delay`, so clients on an interval spread over it.
  void start(std::chrono::milliseconds delay) {
    next_ = steady::now() + delay;
    timer_.expires_at(next_);
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->send(); });
  }

private:
  static std::string target_of(std::string path, int index) {
    auto at = path.find("{server_id}");
    if (at != std::string::npos)
      path.replace(at, 11, generated_server_id("8000", index));
    return path;
  }

  void send() {
    if (steady::now() >= end_ || (opts_.pushes > 0 && seq_ >= static_cast<uint64_t>(opts_.pushes)))
      return conn_.close();
    if (encoder_)
      conn_.set_body(encoder_->body(first_ms_ + static_cast<int64_t>(seq_) * opts_.step_ms));
    started_ = steady::now();
    conn_.post("bench-" + std::to_string(index_) + "-" + std::to_string(seq_++),
               [self = shared_from_this()](beast::error_code ec) { self->on_response(ec); });
  }

  void on_response(beast::error_code ec) {
    if (ec)
      return failed();
    ++out_.requests;
    int status = static_cast<int>(conn_.answer().result_int());
    ++out_.statuses[status];
    if (status >= 200 && status < 300)
      out_.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(steady::now() - started_).count());
    if (!conn_.connected()) // the server ended the connection
      ++out_.reconnects;
    schedule([self = shared_from_this()] { self->send(); });
  }

  template <class F>
  void schedule(F next) {
    if (opts_.interval_ms == 0)
      return next();
    next_ += std::chrono::milliseconds{opts_.interval_ms};
    timer_.expires_at(next_);
    timer_.async_wait([next](beast::error_code) mutable { next(); });
  }

  void failed() {
    ++out_.requests;
    ++out_.statuses[0];
    if (steady::now() >= end_)
      return;
    ++out_.reconnects;
    // Back off a little so a refusing server is not spun on.
    timer_.expires_after(std::chrono::milliseconds{100});
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->send(); });
  }

  push_connection conn_;
  net::steady_timer timer_;
  const options& opts_;
  int index_;
  steady::time_point end_;
  results& out_;
  steady::time_point next_;
  steady::time_point started_;
  uint64_t seq_ = 0;
  std::string instance_;
  std::unique_ptr<remote::write_request_encoder> encoder_;
  int64_t first_ms_ = 0;
};

// VmRSS or VmHWM of a process in KiB (0 if unknown).
long proc_status_kib(int pid, const char* field) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0)
      return std::atol(line.c_str() + std::strlen(field) + 1);
  return 0;
}

// User + system CPU seconds a process has used so far (0 if unknown).
double proc_cpu_seconds(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat;
  std::getline(in, stat);
  auto close = stat.rfind(')'); // the command name may hold spaces
  if (close == std::string::npos)
    return 0;
  std::istringstream fields{stat.substr(close + 2)};
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14)
      utime = std::stoull(f);
    if (i == 15)
      stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto i = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

bool parse_options(int argc, char** argv, options& opts) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--connect") {
      if (!split_host_port(value(), opts.host, opts.port))
        return false;
    } else if (a == "--path") {
      opts.path = value();
    } else if (a == "--clients") {
      opts.clients = std::atoi(value().c_str());
    } else if (a == "--interval-ms") {
      opts.interval_ms = std::atoi(value().c_str());
    } else if (a == "--seconds") {
      opts.seconds = std::atoi(value().c_str());
    } else if (a == "--pid") {
      opts.pid = std::atoi(value().c_str());
    } else if (a == "--step-ms") {
      opts.step_ms = std::atoi(value().c_str());
    } else if (a == "--pushes") {
      opts.pushes = std::atoi(value().c_str());
    } else if (a == "--remote-write") {
      opts.remote_write = true;
      if (opts.path == options{}.path)
        opts.path = "/api/v1/write?server_id={server_id}";
    } else if (!a.empty() && a[0] != '-' && opts.body_file.empty()) {
      opts.body_file = a;
    } else {
      return false;
    }
  }
  return !opts.body_file.empty() && opts.clients > 0 && opts.seconds > 0 && opts.interval_ms >= 0;
}

} // namespace

int ingest_bench(int argc, char** argv) {
  options opts;
  if (!parse_options(argc, argv, opts)) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string body, error;
  if (!node::read_input(opts.body_file, body, error)) {
    std::fprintf(stderr, "nodepulse-bench ingest: %s\n", error.c_str());
    return 2;
  }
  prom::sample_batch batch;
  auto parsed = prom::parse(body, {}, batch);
  if (!parsed.ok) {
    std::fprintf(stderr, "nodepulse-bench ingest: %s does not parse: line %u: %s\n",
                 opts.body_file.c_str(), parsed.errors.front().line,
                 parsed.errors.front().reason.c_str());
    return 2;
  }
  const size_t samples_per_push = batch.samples.size();

  net::io_context ioc{1};
  tcp::resolver resolver{ioc};
  auto endpoints = resolver.resolve(opts.host, opts.port);
  results out;
  auto begin = steady::now();
  auto end = begin + std::chrono::seconds{opts.seconds};
  std::mt19937 rng{42};
  for (int i = 0; i < opts.clients; ++i) {
    auto spread =
      opts.interval_ms == 0 ? 0 : std::uniform_int_distribution<int>{0, opts.interval_ms - 1}(rng);
    std::make_shared<client>(ioc, endpoints, opts, body, batch, i, end, out)
      ->start(std::chrono::milliseconds{spread});
  }
  // RSS of the server under test, sampled while the load runs.
  long peak_sampled_kib = 0;
  net::steady_timer sampler{ioc};
  std::function<void()> sample = [&] {
    if (opts.pid == 0 || steady::now() >= end)
      return;
    peak_sampled_kib = std::max(peak_sampled_kib, proc_status_kib(opts.pid, "VmRSS:"));
    sampler.expires_after(std::chrono::milliseconds{500});
    sampler.async_wait([&](beast::error_code) { sample(); });
  };
  sample();
  double cpu_before = opts.pid != 0 ? proc_cpu_seconds(opts.pid) : 0;
  ioc.run();
  double cpu_used = opts.pid != 0 ? proc_cpu_seconds(opts.pid) - cpu_before : 0;
  double seconds = std::chrono::duration<double>(steady::now() - begin).count();

  uint64_t ok = out.latencies_ms.size();
  std::sort(out.latencies_ms.begin(), out.latencies_ms.end());
  std::printf("ingest load: %d clients, %s, %.1f s, body %zu bytes = %zu samples\n", opts.clients,
              opts.interval_ms == 0 ? "back to back"
                                    : ("every " + std::to_string(opts.interval_ms) + " ms").c_str(),
              seconds, body.size(), samples_per_push);
  std::printf("  requests          %llu (%.0f/s), 2xx %llu, reconnects %llu\n",
              static_cast<unsigned long long>(out.requests),
              static_cast<double>(out.requests) / seconds, static_cast<unsigned long long>(ok),
              static_cast<unsigned long long>(out.reconnects));
  std::printf("  statuses         ");
  for (auto& [status, n] : out.statuses)
    std::printf(" %s:%llu", status == 0 ? "conn-error" : std::to_string(status).c_str(),
                static_cast<unsigned long long>(n));
  std::printf("\n  errors            %llu\n", static_cast<unsigned long long>(out.requests - ok));
  std::printf("  samples accepted  %.0f/s (%.1f MB/s of text)\n",
              static_cast<double>(ok * samples_per_push) / seconds,
              static_cast<double>(ok * body.size()) / seconds / 1e6);
  std::printf("  latency ms        p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
              percentile(out.latencies_ms, 50), percentile(out.latencies_ms, 90),
              percentile(out.latencies_ms, 99),
              out.latencies_ms.empty() ? 0.0 : out.latencies_ms.back());
  if (opts.pid != 0)
    std::printf("  server CPU        %.2f cores (%.1f us per accepted push)\n", cpu_used / seconds,
                ok == 0 ? 0.0 : cpu_used * 1e6 / static_cast<double>(ok));
  if (opts.pid != 0)
    std::printf("  server RSS        %.1f MiB peak sampled, %.1f MiB peak (VmHWM), %.1f MiB now\n",
                static_cast<double>(peak_sampled_kib) / 1024,
                static_cast<double>(proc_status_kib(opts.pid, "VmHWM:")) / 1024,
                static_cast<double>(proc_status_kib(opts.pid, "VmRSS:")) / 1024);
  return out.requests > ok ? 1 : 0;
}

} // namespace nodepulse::bench

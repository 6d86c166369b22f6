// A real `nodepulse <role> -c FILE` process for a test: its config written
// to a private directory, ready when /healthz answers on its port, stopped
// by PID with SIGTERM (its exit code is checked) or killed with SIGKILL.
#pragma once

#include "integration/support/http_client.hpp"
#include "integration/support/redis_server.hpp"

#include <sys/prctl.h>

#include <fstream>
#include <functional>
#include <sstream>

#ifndef NODEPULSE_BINARY
#error "NODEPULSE_BINARY must name the nodepulse binary under test"
#endif

namespace nodepulse::test {

class node_process {
public:
  // `config` is written as the node's config file; the node serves
  // /healthz on `port` (the test put that in the config).
  node_process(std::string role, int port, const std::string& config,
               const tls_client_files& tls = {})
    : role_(std::move(role)), port_(port), tls_(tls) {
    char dir[] = "/tmp/nodepulse-node-XXXXXX";
    if (::mkdtemp(dir) == nullptr)
      throw std::runtime_error("cannot make a directory for the node");
    dir_ = dir;
    std::ofstream{dir_ + "/node.yml"} << config;
    start();
  }

  ~node_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // SIGTERM, then the exit code (-1 if it had to be killed after 10 s).
  // Anything but 0 prints the node's output, so a failed check shows why.
  int stop() {
    if (pid_ <= 0)
      return -1;
    ::kill(pid_, SIGTERM);
    int code = -1;
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    if (code != 0)
      std::fprintf(stderr, "nodepulse %s exited with %d; its output:\n%s\n", role_.c_str(), code,
                   log().c_str());
    return code;
  }

  // SIGKILL: no chance to finish anything.
  void kill() {
    if (pid_ <= 0) // never kill(-1): that is every process we may signal
      return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Sends `sig` (SIGHUP: reload the config).
  void signal(int sig) const {
    if (pid_ > 0)
      ::kill(pid_, sig);
  }

  bool running() const {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
  }

  // Replaces the config file (for a reload, or the next restart).
  void rewrite_config(const std::string& config) const {
    std::ofstream{dir_ + "/node.yml"} << config;
  }

  // Starts it again (after stop() or kill()), with the same config.
  void restart() {
    if (pid_ > 0)
      kill();
    start();
  }

  pid_t pid() const { return pid_; }

  // From /proc/<pid>/status: "VmRSS" (now) or "VmHWM" (the peak), in KiB;
  // -1 when the process is gone.
  long memory_kib(const char* field = "VmRSS") const {
    std::ifstream in{"/proc/" + std::to_string(pid_) + "/status"};
    std::string line;
    const std::string key = std::string{field} + ":";
    while (std::getline(in, line))
      if (line.compare(0, key.size(), key) == 0)
        return std::stol(line.substr(key.size()));
    return -1;
  }

  // What the process wrote to stderr so far.
  std::string log() const {
    std::ifstream in{dir_ + "/stderr.log"};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  http_response get(const std::string& target) const {
    return http_request(port_, "GET", target, "", {}, tls_);
  }

  http_response post(const std::string& target, const std::string& body,
                     std::map<std::string, std::string> headers = {}) const {
    if (headers.count("Content-Type") == 0)
      headers["Content-Type"] = "text/plain; version=0.0.4";
    return http_request(port_, "POST", target, body, headers, tls_);
  }

private:
  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      // Dies with the test, even when a failed check aborts it.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::string cfg = dir_ + "/node.yml";
      std::string log = dir_ + "/stderr.log";
      if (!std::freopen(log.c_str(), "a", stderr) || !std::freopen(log.c_str(), "a", stdout))
        ::_exit(126);
      ::execl(NODEPULSE_BINARY, NODEPULSE_BINARY, role_.c_str(), "-c", cfg.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (get("/healthz").status == 200)
        return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("nodepulse " + role_ + " exited at start: " + log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    throw std::runtime_error("nodepulse " + role_ + " did not answer /healthz: " + log());
  }

  std::string role_;
  int port_;
  tls_client_files tls_;
  std::string dir_;
  pid_t pid_ = -1;
};

// The wall clock in milliseconds since the epoch, as sample times are.
inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// `nodepulse migrate` against `dsn`: whether it succeeded.
inline bool migrate(const std::string& dsn) {
  std::string cmd = std::string{NODEPULSE_BINARY} + " migrate --dsn '" + dsn + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Asks `done` every `poll` until it holds or `patience` passes; whether it
// held. For what a real process does in its own time.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds patience = std::chrono::seconds{60},
                       std::chrono::milliseconds poll = std::chrono::milliseconds{100}) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done())
      return true;
    std::this_thread::sleep_for(poll);
  }
  return done();
}

// The value of an unlabelled sample in exposition text (-1 when absent).
inline double metric_value(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos)
    return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

// Asks the node's /metrics until `name` has `expected` or `patience` has
// passed; returns the last value seen (-1 if /metrics never answered). For
// counters the node updates just after the client has seen the event.
inline double metric_eventually(const node_process& node, const std::string& name, double expected,
                                std::chrono::milliseconds patience = std::chrono::seconds{5}) {
  double last = -1;
  auto deadline = std::chrono::steady_clock::now() + patience;
  do {
    auto res = node.get("/metrics");
    if (res.status == 200 && (last = metric_value(res.body, name)) == expected)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  } while (std::chrono::steady_clock::now() < deadline);
  return last;
}

// `nodepulse ingest` on a free port; `extra_yaml` is appended to a config
// that sets listen and valkey.url.
class ingest_process : public node_process {
public:
  ingest_process(int valkey_port, const std::string& extra_yaml, const tls_client_files& tls = {},
                 int port = free_loopback_port())
    : node_process("ingest", port,
                   "listen: \"127.0.0.1:" + std::to_string(port) + "\"\n"
                     + "valkey:\n  url: \"redis://127.0.0.1:" + std::to_string(valkey_port) + "\"\n"
                     + extra_yaml,
                   tls) {}
};

// `nodepulse digest` with status on a free port; `extra_yaml` is appended
// to a config that sets valkey.url, postgres.dsn and status.listen.
class digest_process : public node_process {
public:
  digest_process(int valkey_port, const std::string& dsn, const std::string& extra_yaml = "",
                 int port = free_loopback_port())
    : node_process("digest", port,
                   "valkey:\n  url: \"redis://127.0.0.1:" + std::to_string(valkey_port)
                     + "\"\npostgres:\n  dsn: \"" + dsn + "\"\nstatus:\n  listen: \"127.0.0.1:"
                     + std::to_string(port) + "\"\n" + extra_yaml) {}
};

} // namespace nodepulse::test

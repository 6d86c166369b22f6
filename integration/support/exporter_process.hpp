// A real Prometheus exporter from Debian for a test (node_exporter unless
// told otherwise): on a free loopback port, ready when /metrics answers,
// killed by PID, started again on the same port.
#pragma once

#include "integration/support/http_client.hpp"
#include "integration/support/redis_server.hpp" // free_loopback_port

#include <sys/prctl.h>

#include <stdexcept>
#include <string>

namespace nodepulse::test {

class exporter_process {
public:
  static constexpr const char* node_exporter = "/usr/bin/prometheus-node-exporter";

  // `binary` with `argument` (besides --web.listen-address), if any.
  explicit exporter_process(std::string binary = node_exporter, std::string argument = "")
    : binary_(std::move(binary)), argument_(std::move(argument)), port_(free_loopback_port()) {
    if (::access(binary_.c_str(), X_OK) != 0)
      throw std::runtime_error(binary_ + " missing: scripts/bootstrap installs it");
    start();
  }

  ~exporter_process() { kill(); }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/metrics"; }

  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr))
        ::_exit(126);
      const char* extra = argument_.empty() ? nullptr : argument_.c_str();
      ::execl(binary_.c_str(), binary_.c_str(), listen.c_str(), extra, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (http_request(port_, "GET", "/metrics").status == 200)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    kill();
    throw std::runtime_error(binary_ + " did not start on port " + std::to_string(port_));
  }

  // SIGKILL: the exporter is simply gone.
  void kill() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

private:
  std::string binary_;
  std::string argument_;
  int port_;
  pid_t pid_ = -1;
};

} // namespace nodepulse::test

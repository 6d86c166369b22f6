// A real `nodepulse ingest -c FILE` process for a test: its config written
// to a private directory, started on a free loopback port, ready when
// /healthz answers, stopped by PID with SIGTERM (its exit code is checked).
#pragma once

#include "integration/http_client.hpp"
#include "integration/redis_server.hpp"

#include <sys/prctl.h>

#include <fstream>
#include <sstream>

#ifndef NODEPULSE_BINARY
#  error "NODEPULSE_BINARY must name the nodepulse binary under test"
#endif

namespace nodepulse::test {

class ingest_process {
public:
  // `extra_yaml` is appended to a config that sets listen and valkey.url.
  ingest_process(int valkey_port, const std::string& extra_yaml,
                 const tls_client_files& tls = {})
    : port_(free_loopback_port()), tls_(tls) {
    char dir[] = "/tmp/nodepulse-ingest-XXXXXX";
    if (::mkdtemp(dir) == nullptr)
      throw std::runtime_error("cannot make a directory for the ingest node");
    dir_ = dir;
    std::ofstream{dir_ + "/ingest.yml"}
      << "listen: \"127.0.0.1:" << port_ << "\"\n"
      << "valkey:\n  url: \"redis://127.0.0.1:" << valkey_port << "\"\n"
      << extra_yaml;
    start();
  }

  ~ingest_process() {
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
      std::fprintf(stderr, "nodepulse ingest exited with %d; its output:\n%s\n", code,
                   log().c_str());
    return code;
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
      std::string cfg = dir_ + "/ingest.yml";
      std::string log = dir_ + "/stderr.log";
      if (!std::freopen(log.c_str(), "w", stderr) || !std::freopen(log.c_str(), "a", stdout))
        ::_exit(126);
      ::execl(NODEPULSE_BINARY, NODEPULSE_BINARY, "ingest", "-c", cfg.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (get("/healthz").status == 200)
        return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("nodepulse ingest exited at start: " + log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    throw std::runtime_error("nodepulse ingest did not answer /healthz: " + log());
  }

  int port_;
  tls_client_files tls_;
  std::string dir_;
  pid_t pid_ = -1;
};

} // namespace nodepulse::test

// A real third-party server for a test (Prometheus, vmagent): started with
// its arguments on a free loopback port, its output in a private directory
// (which it may also use for its data), ready when a path answers 200,
// killed by PID, started again on the same port with the same arguments.
#pragma once

#include "integration/support/http_client.hpp"
#include "integration/support/redis_server.hpp" // free_loopback_port

#include <sys/prctl.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nodepulse::test {

class program_process {
public:
  // `make_args(dir, port)` gives the arguments after the binary.
  template <class MakeArgs>
  program_process(std::string binary, std::string ready_path, MakeArgs make_args)
    : binary_(std::move(binary)), ready_path_(std::move(ready_path)), port_(free_loopback_port()) {
    if (::access(binary_.c_str(), X_OK) != 0)
      throw std::runtime_error(binary_ + " missing: scripts/bootstrap installs it");
    char dir[] = "/tmp/nodepulse-program-XXXXXX";
    if (::mkdtemp(dir) == nullptr)
      throw std::runtime_error("cannot make a directory for " + binary_);
    dir_ = dir;
    args_ = make_args(dir_, port_);
    start();
  }

  ~program_process() {
    kill();
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::string log = dir_ + "/output.log";
      if (!std::freopen(log.c_str(), "a", stdout) || !std::freopen(log.c_str(), "a", stderr))
        ::_exit(126);
      std::vector<char*> argv{const_cast<char*>(binary_.c_str())};
      for (auto& a : args_)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(binary_.c_str(), argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 600; ++i) {
      if (http_request(port_, "GET", ready_path_).status == 200)
        return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(binary_ + " exited at start: " + log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    kill();
    throw std::runtime_error(binary_ + " did not answer " + ready_path_ + ": " + log());
  }

  void kill() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // SIGTERM and wait (at most 30 s): lets it flush what it holds.
  void stop() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 600; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    kill();
  }

  std::string log() const {
    std::ifstream in{dir_ + "/output.log"};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  http_response get(const std::string& target) const { return http_request(port_, "GET", target); }

private:
  std::string binary_;
  std::string ready_path_;
  int port_;
  std::string dir_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
};

// Debian's Prometheus with `config` (prometheus.yml text), its TSDB in the
// process's directory.
inline program_process start_prometheus(const std::string& config) {
  return program_process{"/usr/bin/prometheus", "/-/ready", [&](const std::string& dir, int port) {
                           std::ofstream{dir + "/prometheus.yml"} << config;
                           return std::vector<std::string>{
                             "--config.file=" + dir + "/prometheus.yml",
                             "--storage.tsdb.path=" + dir + "/data",
                             "--web.listen-address=127.0.0.1:" + std::to_string(port)};
                         }};
}

} // namespace nodepulse::test

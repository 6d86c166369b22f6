// A `nodepulse` command line run from a test: to its end (run_command), or
// in the background with its output in a file, to be waited for or killed
// by PID mid-way (background_command).
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace nodepulse::test {

struct command_result {
  int exit_code = -1;
  std::string output; // stdout and stderr
};

inline command_result run_command(const std::string& cmd) {
  command_result res;
  if (FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
      res.output.append(buf, n);
    int status = ::pclose(p);
    res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return res;
}

class background_command {
public:
  explicit background_command(const std::string& cmd) {
    char path[] = "/tmp/nodepulse-command-XXXXXX";
    int fd = ::mkstemp(path);
    if (fd >= 0)
      ::close(fd);
    output_path_ = path;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::execl("/bin/sh", "sh", "-c", ("exec " + cmd + " >'" + output_path_ + "' 2>&1").c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }

  ~background_command() {
    kill();
    ::unlink(output_path_.c_str());
  }

  background_command(const background_command&) = delete;
  background_command& operator=(const background_command&) = delete;

  // Its exit code, once it ends (-1: killed by a signal).
  int wait() {
    if (pid_ <= 0)
      return exit_code_;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }

  // SIGKILL: no chance to finish anything.
  void kill() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string output() const {
    std::ifstream in{output_path_};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Waits until its output holds `text` (true), or it ended, or `patience` passed.
  bool wait_for_output(const std::string& text,
                       std::chrono::milliseconds patience = std::chrono::seconds{60}) {
    auto deadline = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < deadline) {
      if (output().find(text) != std::string::npos)
        return true;
      int status = 0;
      if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return output().find(text) != std::string::npos;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    return false;
  }

private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string output_path_;
};

} // namespace nodepulse::test

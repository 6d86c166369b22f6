// A real PostgreSQL (Debian's) for a test: a fresh cluster in a private
// directory, served on a free loopback port, stopped by PID. When the test
// runs as root (CI), the server runs as the `postgres` user, since
// PostgreSQL refuses to run as root.
#pragma once

#include "integration/support/redis_server.hpp" // free_loopback_port

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

namespace nodepulse::test {

class postgres_server {
public:
  static constexpr const char* bin = "/usr/lib/postgresql/15/bin";

  postgres_server() : port_(free_loopback_port()) {
    if (::access((std::string{bin} + "/postgres").c_str(), X_OK) != 0)
      throw std::runtime_error(std::string{bin}
                               + "/postgres missing: scripts/bootstrap installs postgresql");
    char dir[] = "/tmp/nodepulse-pg-XXXXXX";
    if (::mkdtemp(dir) == nullptr)
      throw std::runtime_error("cannot make a directory for PostgreSQL");
    dir_ = dir;
    if (::geteuid() == 0) {
      auto* pw = ::getpwnam("postgres");
      if (pw == nullptr)
        throw std::runtime_error("running as root, but there is no postgres user");
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      if (::chown(dir_.c_str(), uid_, gid_) != 0)
        throw std::runtime_error("cannot hand " + dir_ + " to postgres");
    }
    run_as_server_user({std::string{bin} + "/initdb", "-D", dir_ + "/data", "-U", "nodepulse",
                        "--auth=trust", "--no-sync", "-E", "UTF8"},
                       true);
    start();
  }

  ~postgres_server() {
    stop();
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  int port() const { return port_; }

  std::string dsn() const {
    return "postgresql://nodepulse@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }

  void start() {
    pid_ = run_as_server_user({std::string{bin} + "/postgres", "-D", dir_ + "/data", "-p",
                               std::to_string(port_), "-k", dir_, "-c",
                               "listen_addresses=127.0.0.1", "-c", "fsync=off"},
                              false);
    for (int i = 0; i < 200; ++i) {
      if (psql("SELECT 1"))
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    throw std::runtime_error("PostgreSQL did not start on port " + std::to_string(port_));
  }

  // A fast shutdown (SIGINT): clients are disconnected at once, as when a
  // database goes away under a running node.
  void stop() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGINT);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Runs SQL (a statement or `-f FILE` via psql_file); true on success.
  bool psql(const std::string& sql) const {
    return std::system(("psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + std::to_string(port_)
                        + " -U nodepulse -d postgres -c \"" + sql + "\" >/dev/null 2>&1")
                         .c_str())
           == 0;
  }

  // The rows of a query, one per line, fields separated by '|' ("" on error).
  std::string query(const std::string& sql) const { return rows_of("-c \"" + sql + "\""); }

  // The rows of the SQL file at `path`, with psql variables (`:'name'`) set.
  std::string query_file(const std::string& path,
                         const std::map<std::string, std::string>& variables = {}) const {
    std::string args;
    for (const auto& [name, value] : variables)
      args += " -v " + name + "='" + value + "'";
    return rows_of(args + " -f '" + path + "'");
  }

  // SQL with any quoting, through a file rather than a shell command line.
  bool run_sql(const std::string& sql) const { return psql_file(write_sql(sql)); }
  std::string query_sql(const std::string& sql) const { return query_file(write_sql(sql)); }

  bool psql_file(const std::string& path) const {
    return std::system(("psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + std::to_string(port_)
                        + " -U nodepulse -d postgres -f '" + path + "' >/dev/null 2>&1")
                         .c_str())
           == 0;
  }

private:
  std::string write_sql(const std::string& sql) const {
    auto path = dir_ + "/statement.sql";
    std::ofstream{path} << sql;
    return path;
  }

  std::string rows_of(const std::string& psql_args) const {
    std::string cmd = "psql -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + std::to_string(port_)
                      + " -U nodepulse -d postgres " + psql_args + " 2>/dev/null";
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
      ::pclose(p);
    }
    while (!out.empty() && out.back() == '\n')
      out.pop_back();
    return out;
  }

  // Forks and execs `argv` as the server's user; waits for it if `wait`.
  pid_t run_as_server_user(const std::vector<std::string>& argv, bool wait) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (!std::freopen("/dev/null", "w", stdout)
          || !std::freopen((dir_ + "/server.log").c_str(), "a", stderr))
        ::_exit(126);
      if (::geteuid() == 0
          && (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0))
        ::_exit(125);
      std::vector<char*> args;
      for (auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    if (wait) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(argv[0] + " failed; see " + dir_ + "/server.log");
    }
    return pid;
  }

  int port_;
  std::string dir_;
  pid_t pid_ = -1;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

} // namespace nodepulse::test

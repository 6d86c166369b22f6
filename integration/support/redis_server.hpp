// A real redis-server (Debian's, protocol-compatible with Valkey) for a
// test: started on a free loopback port, stopped by PID. Durable by
// default, as Node Pulse wants Valkey run (the ingest refuses pushes
// otherwise); a test of what happens without persistence asks for none.
#pragma once

#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace nodepulse::test {

// A loopback port nothing listens on now (the kernel picks it).
inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("no free loopback port");
  ::close(fd);
  return ntohs(addr.sin_port);
}

class redis_server {
public:
  static constexpr const char* binary = "/usr/bin/redis-server";

  enum persistence_mode {
    // every write is fsynced to an append-only file in a private directory
    // before it is answered, so a killed and restarted server still has it
    durable,
    // nothing is kept on disk: a kill loses the data set
    no_persistence,
  };

  // `extra` goes to redis-server's command line after ours.
  explicit redis_server(persistence_mode mode = durable, std::vector<std::string> extra = {})
    : port_(free_loopback_port()), extra_(std::move(extra)) {
    if (::access(binary, X_OK) != 0)
      throw std::runtime_error(std::string{binary}
                               + " missing: scripts/bootstrap installs redis-server");
    if (mode == durable) {
      char dir[] = "/tmp/nodepulse-redis-XXXXXX";
      if (::mkdtemp(dir) == nullptr)
        throw std::runtime_error("cannot make a directory for redis-server");
      dir_ = dir;
    }
    start();
  }

  ~redis_server() {
    stop();
    if (!dir_.empty())
      std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  int port() const { return port_; }
  bool running() const { return pid_ > 0; }

  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      // Dies with the test, even when a failed check aborts it.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::string port = std::to_string(port_);
      bool on_disk = !dir_.empty();
      if (!std::freopen("/dev/null", "w", stdout))
        ::_exit(126);
      std::vector<const char*> argv{binary,
                                    "--port",
                                    port.c_str(),
                                    "--bind",
                                    "127.0.0.1",
                                    "--save",
                                    "",
                                    "--appendonly",
                                    on_disk ? "yes" : "no",
                                    "--appendfsync",
                                    "always",
                                    "--dir",
                                    on_disk ? dir_.c_str() : "/tmp",
                                    "--loglevel",
                                    "warning"};
      for (const auto& arg : extra_)
        argv.push_back(arg.c_str());
      argv.push_back(nullptr);
      ::execv(binary, const_cast<char* const*>(argv.data()));
      ::_exit(127);
    }
    // Ready when it answers PING (or give up after 10 s).
    for (int i = 0; i < 200; ++i) {
      if (ping())
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    stop();
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
  }

  void stop() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGKILL); // as a crash would: no chance to save anything
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // SIGSTOP / SIGCONT: the server hangs, as an overloaded or partitioned
  // one does: connections stay open and nothing is answered.
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }

  // CONFIG SET name value, as an operator would on a live server.
  void config_set(const std::string& name, const std::string& value) const {
    redisContext* c = connect();
    auto* r =
      static_cast<redisReply*>(redisCommand(c, "CONFIG SET %s %s", name.c_str(), value.c_str()));
    bool ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
    if (r != nullptr)
      freeReplyObject(r);
    redisFree(c);
    if (!ok)
      throw std::runtime_error("CONFIG SET " + name + " " + value + " failed");
  }

  // A fresh connection for the test's own checks.
  redisContext* connect() const {
    timeval tv{2, 0};
    return redisConnectWithTimeout("127.0.0.1", port_, tv);
  }

  // The stream as the server holds it, oldest first: field -> value, plus
  // "id" for the entry id.
  std::vector<std::map<std::string, std::string>>
  read_stream(const std::string& stream = "nodepulse:metrics:stream") const {
    std::vector<std::map<std::string, std::string>> out;
    redisContext* c = connect();
    auto* r = static_cast<redisReply*>(redisCommand(c, "XRANGE %s - +", stream.c_str()));
    for (size_t i = 0; r != nullptr && i < r->elements; ++i) {
      std::map<std::string, std::string> fields;
      auto* kv = r->element[i]->element[1];
      for (size_t k = 0; k + 1 < kv->elements; k += 2)
        fields[std::string(kv->element[k]->str, kv->element[k]->len)] =
          std::string(kv->element[k + 1]->str, kv->element[k + 1]->len);
      fields["id"] = std::string(r->element[i]->element[0]->str, r->element[i]->element[0]->len);
      out.push_back(std::move(fields));
    }
    if (r != nullptr)
      freeReplyObject(r);
    redisFree(c);
    return out;
  }

private:
  bool ping() const {
    redisContext* c = connect();
    bool ok = false;
    if (c != nullptr && c->err == 0) {
      auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
      ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
      if (r != nullptr)
        freeReplyObject(r);
    }
    if (c != nullptr)
      redisFree(c);
    return ok;
  }

  int port_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  std::string dir_; // durable: where the append-only file lives
};

} // namespace nodepulse::test

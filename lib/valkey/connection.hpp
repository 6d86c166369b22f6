// One blocking hiredis connection to Valkey (or Redis): connects on first
// use and again after any I/O error. Shared by the stream publisher (ingest)
// and the stream consumer (digest); owned by one detached actor at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;
struct redisReply;

namespace nodepulse::valkey {

struct address {
  std::string host; // empty for a unix socket
  int port = 6379;
  std::string unix_path;
  std::string username{}; // AUTH after connecting when a password is set
  std::string password{};
};

// redis://[[user]:password@]host[:port], valkey://..., or unix:///path;
// nullopt and `error` set otherwise (the password never in it).
std::optional<address> parse_url(std::string_view url, std::string& error);

struct reply_deleter {
  void operator()(redisReply* r) const;
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

class connection {
public:
  connection(address addr, std::chrono::milliseconds timeout);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Sends one command and waits for its reply (an error reply included);
  // null and `error` set when there is no connection or it failed, after
  // which the next command reconnects. `timeout` overrides the socket
  // timeout for this command (for a blocking read).
  reply_ptr command(const std::vector<std::string_view>& args, std::string& error,
                    std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Sends every command in one write, then reads their replies in order:
  // one round trip for all, and with appendfsync always one fsync for all
  // (the server answers a batch after syncing it once). false and `error`
  // set after an I/O error, which drops the connection; `replies` then
  // holds those read before it.
  bool pipeline(const std::vector<std::vector<std::string_view>>& commands,
                std::vector<reply_ptr>& replies, std::string& error);

  bool connected() const { return ctx_ != nullptr; }
  uint64_t connects() const { return connects_; } // successful (re)connects

private:
  bool ensure_connected(std::string& error);
  void drop();

  address addr_;
  std::chrono::milliseconds timeout_;
  redisContext* ctx_ = nullptr;
  uint64_t connects_ = 0;
};

// XLEN of `stream`; nullopt and `error` set when Valkey cannot answer.
std::optional<int64_t> stream_length(connection& conn, const std::string& stream,
                                     std::string& error);

// How long the oldest entry still in `stream` has been there, by Valkey's
// own clock (TIME against the entry id's milliseconds), so that no clock
// of ours is compared with it; 0 when the stream is empty or missing.
// nullopt and `error` set when Valkey cannot answer.
std::optional<std::chrono::milliseconds>
oldest_entry_age(connection& conn, const std::string& stream, std::string& error);

// The text of an error reply, or of a reply of an unexpected type.
std::string reply_error(const redisReply* r, std::string_view command);

} // namespace nodepulse::valkey

// Reads the stream through a consumer group, for the digest's DB writer:
// new entries (XREADGROUP), this consumer's own pending ones after a
// restart, a dead consumer's after an idle timeout (XPENDING + XCLAIM,
// which also tells how often each was delivered), acknowledgement with
// deletion (XACK + XDEL in one MULTI), and the dead-letter stream. One
// blocking connection, owned by a detached actor.
#pragma once

#include "lib/digest/writer_ports.hpp"
#include "lib/valkey/connection.hpp"

#include <chrono>
#include <string>

namespace nodepulse::valkey {

struct consumer_settings {
  std::string stream = "nodepulse:metrics:stream";
  std::string group = "digest";
  std::string consumer; // unique per process: host-pid
  std::string dead_letter_stream = "nodepulse:metrics:dlq";
  int64_t dead_letter_max_length = 100'000;         // oldest trimmed beyond (approx.)
  std::chrono::milliseconds timeout{2000};          // per command
  std::chrono::milliseconds block{500};             // read_new waits this long for entries
  std::chrono::milliseconds claim_min_idle{60'000}; // pending this long: its consumer is dead
};

class stream_consumer : public digest::entry_source {
public:
  stream_consumer(address addr, consumer_settings settings);

  bool prepare(bool& created, std::string& error) override;
  std::optional<std::vector<digest::delivery>> read_own_pending(size_t max,
                                                                std::string& error) override;
  std::optional<std::vector<digest::delivery>> read_new(size_t max, std::string& error) override;
  std::optional<std::vector<digest::delivery>> claim_idle(size_t max, std::string& error) override;
  bool acknowledge(const std::vector<std::string>& ids, std::string& error) override;
  bool dead_letter(const digest::delivery& d, const std::string& reason,
                   std::string& error) override;
  std::optional<digest::backlog_figures> backlog(std::string& error) override;

  const consumer_settings& settings() const { return settings_; }

private:
  // XPENDING (of `only_consumer`, if set) idle for at least `min_idle`,
  // then XCLAIM of those.
  std::optional<std::vector<digest::delivery>> claim(std::chrono::milliseconds min_idle, size_t max,
                                                     bool only_mine, std::string& error);
  // Runs `commands` in one MULTI/EXEC.
  bool transaction(const std::vector<std::vector<std::string_view>>& commands, std::string& error);

  consumer_settings settings_;
  connection conn_;
};

// "<host>-<pid>": the consumer name of this process.
std::string default_consumer_name();

} // namespace nodepulse::valkey

// The loss detector's side of PostgreSQL: one pass of
// admiral.detect_batch_losses (sql/006_agent_drops.sql), which records
// gaps in an agent epoch's committed sequences in admiral.batch_losses and
// new epochs in admiral.wal_epochs, and returns what it found now. One
// blocking libpq connection, to be owned by a detached actor; reconnects
// on the next pass after any failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nodepulse::pg {

struct loss_event {
  // loss: lost after the agent let it go; dropped_by_agent: its WAL caps
  // dropped it (X-Agent-Dropped); new_epoch: an epoch seen the first time.
  enum kind_t { loss, dropped_by_agent, new_epoch } kind = loss;
  std::string server_id;
  std::string epoch;
  int64_t first_sequence = 0; // loss, dropped: the range; new_epoch: its first sequence
  int64_t last_sequence = 0;
  std::string previous_epoch; // new_epoch: the server's epoch before, if any
  // The agent's X-Agent-Dropped: the newest of the epoch; for new_epoch,
  // of its first batch and of the previous epoch's last. "" if not known.
  std::string agent_drops;
  std::string previous_agent_drops;
};

class loss_store {
public:
  explicit loss_store(std::string dsn);
  ~loss_store();
  loss_store(const loss_store&) = delete;
  loss_store& operator=(const loss_store&) = delete;

  // One pass; `settle` is how long a gap must stay open to count as lost.
  // nullopt and `error` set when the database did not answer.
  std::optional<std::vector<loss_event>> detect(std::chrono::seconds settle, std::string& error);

private:
  std::string dsn_;
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace nodepulse::pg

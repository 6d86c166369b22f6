// Compaction's side of PostgreSQL (sql/007): the advisory lock that keeps
// compactions one at a time, the work list, one compact_period call per
// step, dropping the hot partitions it emptied. One blocking libpq
// connection, to be owned by a detached actor or a command; reconnects on
// the next call after a failure (the lock is gone with the old session).
#pragma once

#include "lib/digest/compaction_run.hpp"

#include <memory>
#include <string>

namespace nodepulse::pg {

class compaction_store : public digest::compaction_store {
public:
  explicit compaction_store(std::string dsn);
  ~compaction_store() override;

  bool lock(bool wait, bool& got, digest::db_error& error) override;
  void unlock() override;
  std::optional<std::vector<digest::hot_period>> periods_before(int64_t before_ms,
                                                                digest::db_error& error) override;
  std::optional<digest::compacted_chunk> compact(const digest::hot_period& period,
                                                 int64_t before_ms, int64_t first_series,
                                                 int64_t last_series,
                                                 digest::db_error& error) override;
  std::optional<bool> drop_if_empty(int64_t period_start_ms, digest::db_error& error) override;

private:
  struct impl;
  std::string dsn_;
  std::unique_ptr<impl> impl_;
};

} // namespace nodepulse::pg

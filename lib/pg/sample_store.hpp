// The catalogue, the hot tier and their companions as the digest writes them: one
// blocking libpq connection (to be owned by a detached actor) that
// reconnects on the next call after it was lost. COPY goes through libpq's
// PQputCopyData, as one statement per transaction.
#pragma once

#include "lib/digest/writer_ports.hpp"

#include <memory>
#include <optional>
#include <string>

namespace nodepulse::pg {

class sample_store : public digest::sample_sink {
public:
  explicit sample_store(std::string dsn);
  ~sample_store() override;

  bool ensure_hot_partition(int64_t period_start_ms, digest::db_error& error) override;
  std::optional<std::vector<int32_t>>
  resolve_metrics(const std::vector<digest::metric_key>& metrics, digest::db_error& error) override;
  std::optional<std::vector<int64_t>> resolve_series(const std::vector<digest::series_key>& series,
                                                     const std::vector<int64_t>& days,
                                                     digest::db_error& error) override;
  std::optional<std::vector<int64_t>> touch_series(const std::vector<int64_t>& series_ids,
                                                   const std::vector<int64_t>& days,
                                                   digest::db_error& error) override;
  bool begin(digest::db_error& error) override;
  std::optional<std::vector<std::string>> known_batches(const std::vector<std::string>& batch_ids,
                                                        digest::db_error& error) override;
  bool copy_start(digest::db_error& error) override;
  bool copy_rows(const digest::hot_row* rows, size_t count, digest::db_error& error) override;
  bool copy_end(digest::db_error& error) override;
  bool record_batches(const std::vector<digest::accepted_batch>& batches,
                      digest::db_error& error) override;
  bool commit(digest::db_error& error) override;
  void rollback() override;
  bool apply_retention(int64_t days, digest::db_error& error) override;

private:
  struct impl;
  std::string dsn_;
  std::unique_ptr<impl> impl_;
};

// {"a","b"} as a PostgreSQL array literal, each element quoted.
std::string array_literal(const std::vector<std::string>& items);

// The same with NULL for an empty optional.
std::string array_literal(const std::vector<std::optional<std::string>>& items);

// "2026-11-26" for a day number (days since 1970-01-01).
std::string iso_day(int64_t day);

} // namespace nodepulse::pg

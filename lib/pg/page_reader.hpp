// The web page's side of PostgreSQL: runs one of the page's queries (SQL
// built by lib/page from sql/queries/) with its parameters in a read-only
// transaction under statement_timeout, and answers its rows as text. One
// blocking libpq connection, opened on first use, owned by a query worker;
// reconnects after any failure.
#pragma once

#include "lib/pg/sample_reader.hpp" // read_outcome

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nodepulse::pg {

struct text_table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows; // nullopt: NULL
};

class page_reader {
public:
  explicit page_reader(std::string dsn);
  ~page_reader();
  page_reader(const page_reader&) = delete;
  page_reader& operator=(const page_reader&) = delete;

  // Runs `sql` with `params` as $1..$n. More than `max_rows` rows: over_limit
  // (the caller names the limit); a cancelled statement: timed_out.
  read_outcome run(const std::string& sql, const std::vector<std::string>& params,
                   std::chrono::milliseconds timeout, size_t max_rows, text_table& out);

private:
  std::string dsn_;
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace nodepulse::pg

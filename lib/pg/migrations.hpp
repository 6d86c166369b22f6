// The schema migrations (sql/NNN_name.sql), built into the binary so that
// `nodepulse migrate` works wherever the binary is, and the runner that
// applies them: in order, each in its own transaction together with its
// record in admiral.schema_migrations, under an advisory lock (two
// migrates at once take turns). Applied migrations are skipped; one whose
// text changed since it was applied is an error, not a silent skip.
#pragma once

#include <string>
#include <vector>

namespace nodepulse::pg {

struct migration {
  int version = 0;  // NNN
  std::string file; // "002_metric_samples.sql"
  std::string sql;
};

// sql/*.sql as they were at build time, by version.
const std::vector<migration>& bundled_migrations();

// A stable fingerprint of a migration's text (FNV-1a, 64 bits, hex).
std::string migration_checksum(const std::string& sql);

struct migrate_result {
  std::vector<std::string> applied; // files applied now, in order
  size_t already_applied = 0;
  std::string error; // "" on success; names the file and, if known, the line
};

migrate_result apply_migrations(const std::string& dsn, const std::vector<migration>& all);

} // namespace nodepulse::pg

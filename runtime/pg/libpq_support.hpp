// What the libpq clients in runtime/pg share: results that free
// themselves, and libpq's messages without their trailing newline.
// Internal to runtime/pg (the only place that includes libpq).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>

namespace nodepulse::pg {

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

// A libpq message as one line; "unknown error" when there is none.
inline std::string trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s.empty() ? "unknown error" : s;
}

} // namespace nodepulse::pg

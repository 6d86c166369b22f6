// Times as operators read and write them: RFC 3339 in UTC
// ("2026-11-27T22:00:00Z"), for logs and command lines.
#pragma once

#include <cstdint>
#include <string>

namespace nodepulse {

// "2026-11-27T22:00:00Z" for ms since the epoch (milliseconds dropped
// when zero, else ".123").
std::string utc_text(int64_t ms);

// Reads "2026-11-27T22:00:00Z", "2026-11-27T22:00:00.5Z", "2026-11-27 22:00:00+00:00"
// or a date alone ("2026-11-27", midnight UTC); false with `error` saying
// what it expected.
bool parse_utc(const std::string& text, int64_t& ms, std::string& error);

} // namespace nodepulse

#include "lib/base/utc_time.hpp"

#include <cstdio>
#include <ctime>

namespace nodepulse {

std::string utc_text(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int millis = static_cast<int>(ms - secs * 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out{buf, static_cast<size_t>(n)};
  if (millis != 0) {
    std::snprintf(buf, sizeof buf, ".%03d", millis);
    out += buf;
  }
  return out + "Z";
}

bool parse_utc(const std::string& text, int64_t& ms, std::string& error) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
  char sep = 0;
  const char* s = text.c_str();
  bool date_only = std::sscanf(s, "%4d-%2d-%2d%n", &year, &month, &day, &used) == 3
                   && static_cast<size_t>(used) == text.size();
  int64_t fraction_ms = 0;
  if (!date_only) {
    if (std::sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &year, &month, &day, &sep, &hour, &minute,
                    &second, &used)
          != 7
        || (sep != 'T' && sep != ' ')) {
      error = "expected a UTC time like 2026-11-27T22:00:00Z, got '" + text + "'";
      return false;
    }
    std::string rest = text.substr(static_cast<size_t>(used));
    if (!rest.empty() && rest[0] == '.') {
      size_t i = 1, digits = 0;
      int64_t scale = 100;
      while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
        if (digits++ < 3) {
          fraction_ms += (rest[i] - '0') * scale;
          scale /= 10;
        }
        ++i;
      }
      rest = rest.substr(i);
    }
    if (rest != "Z" && rest != "+00:00" && rest != "+00") {
      error = "expected a UTC time ending in Z or +00:00, got '" + text + "'";
      return false;
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    error = "not a valid time: '" + text + "'";
    return false;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  ms = static_cast<int64_t>(timegm(&tm)) * 1000 + fraction_ms;
  return true;
}

} // namespace nodepulse

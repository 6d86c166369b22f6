// Whether text is a UUID as server ids are written: 8-4-4-4-12 hexadecimal
// digits, any case. Shared by ingest (server ids in pushes) and the agent's
// config (agent.server_id).
#pragma once

#include <string_view>

namespace nodepulse::text {

inline bool valid_uuid(std::string_view s) {
  if (s.size() != 36)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !hex)
      return false;
  }
  return true;
}

} // namespace nodepulse::text

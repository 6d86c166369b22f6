// URLs as they may be shown: in logs, /readyz and /metrics. A password in
// the user info (redis://:secret@host, https://user:secret@host) and the
// values of query parameters that name a secret (password, token, ...)
// become "***"; the rest stays, so an operator still sees where it points.
#pragma once

#include "lib/text/ascii.hpp"

#include <string>
#include <string_view>

namespace nodepulse::text {

inline bool names_a_secret(std::string_view key) {
  for (std::string_view s : {"password", "passwd", "pass", "token", "access_token", "secret",
                             "apikey", "api_key", "key"})
    if (iequals(key, s))
      return true;
  return false;
}

inline std::string redact_url(std::string_view url) {
  std::string out{url};
  auto scheme = out.find("://");
  size_t authority = scheme == std::string::npos ? 0 : scheme + 3;
  auto authority_end = out.find_first_of("/?#", authority);
  if (authority_end == std::string::npos)
    authority_end = out.size();
  auto at = out.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) {
    auto colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
      authority_end = out.find_first_of("/?#", authority);
      if (authority_end == std::string::npos)
        authority_end = out.size();
    }
  }
  auto query = out.find('?', authority_end);
  if (query == std::string::npos)
    return out;
  size_t at_key = query + 1;
  while (at_key < out.size() && out[at_key] != '#') {
    auto end = out.find_first_of("&#", at_key);
    if (end == std::string::npos)
      end = out.size();
    auto eq = out.find('=', at_key);
    if (eq != std::string::npos && eq < end
        && names_a_secret(std::string_view{out}.substr(at_key, eq - at_key))) {
      out.replace(eq + 1, end - eq - 1, "***");
      end = eq + 4;
    }
    if (end >= out.size() || out[end] == '#')
      break;
    at_key = end + 1;
  }
  return out;
}

} // namespace nodepulse::text

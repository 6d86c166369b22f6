#include "lib/valkey/persistence.hpp"

#include <hiredis/hiredis.h>

namespace nodepulse::valkey {

namespace {

// The value of one CONFIG GET reply: [name, value].
std::optional<std::string> config_value(connection& conn, const char* name, std::string& error,
                                        bool& unreachable) {
  auto reply = conn.command({"CONFIG", "GET", name}, error);
  if (!reply) {
    unreachable = true;
    return std::nullopt;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    error = "CONFIG GET " + std::string{name} + " was refused ("
            + std::string{reply->str, reply->len} + ")";
    return std::nullopt;
  }
  bool pair = reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
              && reply->element[1]->type == REDIS_REPLY_STRING;
  if (!pair) {
    error = "CONFIG GET " + std::string{name} + " did not name the setting";
    return std::nullopt;
  }
  return std::string{reply->element[1]->str, reply->element[1]->len};
}

} // namespace

std::optional<persistence> read_persistence(connection& conn, std::string& error,
                                            bool& unreachable) {
  unreachable = false;
  persistence p;
  auto appendonly = config_value(conn, "appendonly", error, unreachable);
  if (!appendonly)
    return std::nullopt;
  auto appendfsync = config_value(conn, "appendfsync", error, unreachable);
  if (!appendfsync)
    return std::nullopt;
  p.appendonly = std::move(*appendonly);
  p.appendfsync = std::move(*appendfsync);
  return p;
}

std::string durability_problem(const persistence& p) {
  if (p.appendonly != "yes")
    return "appendonly is '" + p.appendonly
           + "': a crash of Valkey loses every acknowledged push it holds"
             " (needs appendonly yes and appendfsync always)";
  if (p.appendfsync != "always")
    return "appendfsync is '" + p.appendfsync
           + "': a crash of Valkey's machine loses the pushes of the last seconds"
             " after they were acknowledged (needs appendfsync always)";
  return {};
}

} // namespace nodepulse::valkey

// A problem in a config file: where it is, which key, and what is wrong.
#pragma once

#include <string>
#include <vector>

namespace nodepulse::config {

struct config_error {
  int line = 0;    // 1-based; 0 when the key is missing altogether
  int column = 0;  // 1-based
  std::string key; // dotted path, e.g. "valkey.max_backlog"
  std::string message;

  // "line 7, column 16: valkey.max_backlog: expected an integer, got 'lots'"
  std::string to_string() const {
    std::string where =
      line > 0 ? "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " : "";
    return where + (key.empty() ? "" : key + ": ") + message;
  }
};

// Sorts problems into file order, as a person reads them; problems without
// a position last.
void sort_by_position(std::vector<config_error>& errors);

} // namespace nodepulse::config

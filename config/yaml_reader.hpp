// Reads YAML mappings into typed fields, remembering which keys it used, so
// that unknown keys and bad values are errors naming the key and its line.
// Internal to config/: the loaders' headers do not expose yaml-cpp.
#pragma once

#include "config/config_error.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nodepulse::config {

class yaml_reader {
public:
  // `node` is the mapping at `path` ("" at the top, else "valkey", ...).
  yaml_reader(const YAML::Node& node, std::string path, std::vector<config_error>& errors);

  void string(const char* key, std::string& out);
  // A list of strings (`[a, b]` or one item a line); true when `key` holds one.
  bool strings(const char* key, std::vector<std::string>& out);
  void one_of(const char* key, std::string& out, std::initializer_list<const char*> allowed);
  // One of the named `choices`; `out` (whose current value is the default)
  // becomes the one named. Config choices are enums once loaded.
  template <class Enum>
  void choice(const char* key, Enum& out,
              std::initializer_list<std::pair<const char*, Enum>> choices) {
    std::vector<const char*> names;
    std::string name;
    for (const auto& c : choices) {
      names.push_back(c.first);
      if (c.second == out)
        name = c.first;
    }
    if (one_of_names(key, name, names))
      for (const auto& c : choices)
        if (name == c.first)
          out = c.second;
  }
  void integer(const char* key, int64_t& out, int64_t min, int64_t max);
  // "500ms", "15s", "10m", "2h" (or a bare number of seconds).
  void duration_ms(const char* key, int64_t& out);
  // true/false (also yes/no, on/off, as YAML 1.1 has them).
  void boolean(const char* key, bool& out);

  // Reads the sequence of mappings at `key`, each with `read(yaml_reader&,
  // size_t index)`; errors in item i name the key as `key[i].field`. True
  // when `key` holds a list (maybe empty).
  template <class F>
  bool mappings(const char* key, F&& read) {
    YAML::Node seq = get(key);
    if (!seq || seq.IsNull())
      return false;
    if (!seq.IsSequence()) {
      fail(seq, key, "expected a list");
      return false;
    }
    for (size_t i = 0; i < seq.size(); ++i) {
      std::string item_path = full(key) + "[" + std::to_string(i) + "]";
      if (!seq[i].IsMap()) {
        fail_at(seq[i], item_path, "expected a mapping of keys");
        continue;
      }
      yaml_reader item{seq[i], item_path, errors_};
      read(item, i);
      item.finish();
    }
    return true;
  }

  // Reads the mapping at `key` with `read(yaml_reader&)`.
  template <class F>
  void section(const char* key, F&& read) {
    YAML::Node child = get(key);
    if (!child)
      return;
    if (!child.IsMap()) {
      fail(child, key, "expected a mapping of keys");
      return;
    }
    yaml_reader sub{child, full(key), errors_};
    read(sub);
    sub.finish();
  }

  // Every key of the mapping not read is an error.
  void finish();

  // Records an error about `key` (for checks that span several keys).
  void fail_key(const char* key, std::string message);
  // Whether the mapping has `key` (for keys without a default).
  bool has(const char* key) const {
    const YAML::Node& map = node_;
    return static_cast<bool>(map[key]);
  }
  // Records that `key`, required here, is missing: placed at this mapping.
  void fail_missing(const char* key, std::string message);

private:
  bool one_of_names(const char* key, std::string& out, const std::vector<const char*>& allowed);
  YAML::Node get(const char* key);
  std::string full(const char* key) const;
  void fail(const YAML::Node& at, const char* key, std::string message);
  void fail_at(const YAML::Node& at, std::string full_key, std::string message);

  YAML::Node node_;
  std::string path_;
  std::vector<config_error>& errors_;
  std::set<std::string> used_;
};

// Parses `text`; a syntax error becomes one config_error with its position.
YAML::Node parse_yaml(const std::string& text, std::vector<config_error>& errors);

// Reads the file at `path` ("-" is stdin) into `text`; "" or the error.
std::string read_config_file(const std::string& path, std::string& text);

// A config file's text read by `read(yaml_reader& top, errors)`: YAML
// syntax errors first, then every problem in file order, unknown keys too.
template <class Read>
std::vector<config_error> load_config_text(const std::string& text, Read read) {
  std::vector<config_error> errors;
  YAML::Node doc = parse_yaml(text, errors);
  if (!errors.empty())
    return errors;
  yaml_reader top{doc, "", errors};
  read(top, errors);
  top.finish();
  sort_by_position(errors);
  return errors;
}

// What every load_*_config_file does: read the file, then `load(text, cfg)`;
// an unreadable file is one error without a position.
template <class Config, class Load>
std::vector<config_error> load_config_file(const std::string& path, Config& cfg, Load load) {
  std::string text;
  if (auto err = read_config_file(path, text); !err.empty())
    return {{0, 0, "", err}};
  return load(text, cfg);
}

} // namespace nodepulse::config

#include "config/yaml_reader.hpp"

#include "lib/base/read_input.hpp"

#include <algorithm>
#include <climits>
#include <utility>

#include <cerrno>
#include <cstdlib>

namespace nodepulse::config {

yaml_reader::yaml_reader(const YAML::Node& node, std::string path,
                         std::vector<config_error>& errors)
  : node_(node), path_(std::move(path)), errors_(errors) {}

std::string yaml_reader::full(const char* key) const {
  return path_.empty() ? key : path_ + "." + key;
}

YAML::Node yaml_reader::get(const char* key) {
  used_.insert(key);
  const YAML::Node& map = node_; // const: a lookup must never add the key
  return map[key];
}

void yaml_reader::fail(const YAML::Node& at, const char* key, std::string message) {
  fail_at(at, full(key), std::move(message));
}

void yaml_reader::fail_at(const YAML::Node& at, std::string full_key, std::string message) {
  auto mark = at.Mark();
  errors_.push_back({mark.line + 1, mark.column + 1, std::move(full_key), std::move(message)});
}

void yaml_reader::fail_key(const char* key, std::string message) {
  const YAML::Node& map = node_;
  YAML::Node at = map[key];
  if (at)
    fail(at, key, std::move(message));
  else
    errors_.push_back({0, 0, full(key), std::move(message)});
}

void yaml_reader::fail_missing(const char* key, std::string message) {
  fail_at(node_, full(key), std::move(message));
}

void yaml_reader::string(const char* key, std::string& out) {
  YAML::Node v = get(key);
  if (!v || v.IsNull())
    return;
  if (!v.IsScalar()) {
    fail(v, key, "expected a string");
    return;
  }
  out = v.Scalar();
}

bool yaml_reader::strings(const char* key, std::vector<std::string>& out) {
  YAML::Node v = get(key);
  if (!v || v.IsNull())
    return false;
  if (!v.IsSequence()) {
    fail(v, key, "expected a list of strings");
    return false;
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].IsScalar()) {
      fail_at(v[i], full(key) + "[" + std::to_string(i) + "]", "expected a string");
      return false;
    }
    items.push_back(v[i].Scalar());
  }
  out = std::move(items);
  return true;
}

void yaml_reader::one_of(const char* key, std::string& out,
                         std::initializer_list<const char*> allowed) {
  one_of_names(key, out, std::vector<const char*>(allowed));
}

bool yaml_reader::one_of_names(const char* key, std::string& out,
                               const std::vector<const char*>& allowed) {
  std::string value = out;
  string(key, value);
  for (const char* a : allowed)
    if (value == a) {
      out = value;
      return true;
    }
  std::string list;
  for (const char* a : allowed)
    list += (list.empty() ? "" : ", ") + std::string{a};
  const YAML::Node& map = node_;
  fail(map[key], key, "expected one of " + list + ", got '" + value + "'");
  return false;
}

void yaml_reader::integer(const char* key, int64_t& out, int64_t min, int64_t max) {
  YAML::Node v = get(key);
  if (!v || v.IsNull())
    return;
  const std::string text = v.IsScalar() ? v.Scalar() : "";
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (!v.IsScalar() || text.empty() || *end != '\0' || errno == ERANGE) {
    fail(v, key, "expected an integer, got '" + text + "'");
    return;
  }
  if (n < min || n > max) {
    fail(v, key,
         "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got "
           + text);
    return;
  }
  out = n;
}

void yaml_reader::duration_ms(const char* key, int64_t& out) {
  YAML::Node v = get(key);
  if (!v || v.IsNull())
    return;
  const std::string text = v.IsScalar() ? v.Scalar() : "";
  char* end = nullptr;
  errno = 0;
  double n = std::strtod(text.c_str(), &end);
  std::string unit = end != nullptr ? end : "";
  double scale = unit == "ms"                  ? 1
                 : unit == "s" || unit.empty() ? 1000
                 : unit == "m"                 ? 60'000
                 : unit == "h"                 ? 3'600'000
                 : unit == "d"                 ? 86'400'000
                                               : -1;
  if (text.empty() || end == text.c_str() || scale < 0 || errno == ERANGE || !(n >= 0)
      || n * scale > 1e15) {
    fail(v, key, "expected a duration such as 500ms, 15s, 10m, 2h or 7d, got '" + text + "'");
    return;
  }
  out = static_cast<int64_t>(n * scale);
}

void yaml_reader::boolean(const char* key, bool& out) {
  YAML::Node v = get(key);
  if (!v || v.IsNull())
    return;
  const std::string text = v.IsScalar() ? v.Scalar() : "";
  for (const char* yes : {"true", "yes", "on"})
    if (text == yes) {
      out = true;
      return;
    }
  for (const char* no : {"false", "no", "off"})
    if (text == no) {
      out = false;
      return;
    }
  fail(v, key, "expected true or false, got '" + text + "'");
}

void yaml_reader::finish() {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string key = it->first.Scalar();
    if (used_.count(key) == 0)
      fail(it->first, key.c_str(), "unknown key");
  }
}

YAML::Node parse_yaml(const std::string& text, std::vector<config_error>& errors) {
  try {
    YAML::Node doc = YAML::Load(text);
    if (doc.IsNull())
      return YAML::Node{YAML::NodeType::Map};
    if (!doc.IsMap()) {
      errors.push_back(
        {doc.Mark().line + 1, doc.Mark().column + 1, "", "the file must be a mapping of keys"});
      return {};
    }
    return doc;
  } catch (const YAML::ParserException& e) {
    errors.push_back({e.mark.line + 1, e.mark.column + 1, "", e.msg});
    return {};
  }
}

void sort_by_position(std::vector<config_error>& errors) {
  // In file order, as a person reads them; problems without a position last.
  std::stable_sort(errors.begin(), errors.end(), [](const config_error& a, const config_error& b) {
    auto key = [](const config_error& e) {
      return std::pair{e.line == 0 ? INT32_MAX : e.line, e.column};
    };
    return key(a) < key(b);
  });
}

std::string read_config_file(const std::string& path, std::string& text) {
  std::string err;
  if (!node::read_input(path, text, err))
    return err.empty() ? "cannot read " + path : err;
  return "";
}

} // namespace nodepulse::config

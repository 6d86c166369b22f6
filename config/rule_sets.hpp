// The rule sets an endpoint can name (`rule_set: NAME`): YAML files under
// config/rule_sets/, compiled into the binary (config/CMakeLists.txt), so an
// agent needs no file beside its config. Internal to config/.
#pragma once

#include <string>
#include <string_view>

namespace nodepulse::config {

// The YAML text of the rule set `name` (a `metric_relabel_configs:` list),
// or nullptr when there is none of that name.
const char* builtin_rule_set(std::string_view name);

// Their names, comma-separated, for error messages.
std::string builtin_rule_set_names();

} // namespace nodepulse::config

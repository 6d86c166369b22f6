// One JSON object per sample, the `nodepulse parse --jsonl` contract:
// {"name":"x","type":"counter","labels":{"a":"b"},"value":1.5,"timestamp_ms":null}
// `value` is a JSON number, or "NaN" / "+Inf" / "-Inf" as strings.
#pragma once

#include "lib/prom/sample_batch.hpp"

#include <string>
#include <string_view>

namespace nodepulse::prom {

void append_json_string(std::string_view s, std::string& out);

// Appends one line (with its '\n') for `s`.
void append_jsonl_sample(const sample_batch& batch, const sample& s, std::string& out);

} // namespace nodepulse::prom

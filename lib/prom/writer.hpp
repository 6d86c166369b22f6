// Serialises a sample_batch as Prometheus text format 0.0.4, so that
// parse -> write -> parse gives back the same families, samples, labels,
// values and timestamps. Exemplars and units have no place in 0.0.4 and are
// not written. OpenMetrics-only shapes are mapped the way Prometheus maps
// them: a counter `x` becomes `x_total`, an info `x` becomes the gauge
// `x_info`, and samples that do not fit a 0.0.4 family of their type (such as
// `_created`) are written as untyped families of their own.
#pragma once

#include "lib/prom/sample_batch.hpp"

#include <string>

namespace nodepulse::prom {

// Appends the batch to `out`.
void write_text(const sample_batch& batch, std::string& out);

// Appends `v` escaped for a label value (\\, \", \n).
void append_escaped_label_value(std::string_view v, std::string& out);

} // namespace nodepulse::prom

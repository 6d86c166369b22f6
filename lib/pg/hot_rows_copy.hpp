// Hot-tier rows in the binary format of COPY ... FROM STDIN (FORMAT binary):
// (series_id bigint, timestamp timestamptz, value double precision). Binary
// because a value goes in bit for bit (a Prometheus stale marker is a NaN
// with its own payload, which text would turn into a plain NaN) and because
// PostgreSQL parses no text.
#pragma once

#include "lib/digest/writer_ports.hpp"

#include <string>
#include <vector>

namespace nodepulse::pg {

// The signature, flags and header extension every binary COPY starts with.
void append_binary_copy_header(std::string& out);

void append_hot_rows(const digest::hot_row* rows, size_t count, std::string& out);

// The end-of-data marker.
void append_binary_copy_trailer(std::string& out);

} // namespace nodepulse::pg

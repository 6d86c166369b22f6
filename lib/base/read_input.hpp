// Reads a whole file, or standard input for "-", into memory.
#pragma once

#include <string>

namespace nodepulse::node {

// Returns false and sets `error` ("cannot read FILE: reason") on failure.
bool read_input(const std::string& path, std::string& out, std::string& error);

} // namespace nodepulse::node

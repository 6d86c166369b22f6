#include "lib/base/read_input.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nodepulse::node {

bool read_input(const std::string& path, std::string& out, std::string& error) {
  bool from_stdin = path == "-";
  FILE* f = from_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  out.clear();
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    out.append(buf, n);
  bool failed = std::ferror(f) != 0;
  int err = errno;
  if (!from_stdin)
    std::fclose(f);
  if (failed) {
    error = "cannot read " + path + ": " + std::strerror(err);
    return false;
  }
  return true;
}

} // namespace nodepulse::node

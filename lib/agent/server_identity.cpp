#include "lib/agent/server_identity.hpp"

#include "lib/text/uuid.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace nodepulse::agent {

std::string random_uuid() {
  std::random_device random;
  unsigned char b[16];
  for (auto& byte : b)
    byte = static_cast<unsigned char>(random());
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  char out[37];
  std::snprintf(
    out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
    b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string resolve_server_id(const std::string& configured, const std::string& dir,
                              std::string& error) {
  if (!configured.empty())
    return configured;
  const std::string path = dir + "/server_id";
  std::ifstream in{path};
  if (in) {
    std::string id;
    std::getline(in, id);
    if (text::valid_uuid(id))
      return id;
    error = path + " does not hold a UUID (fix or delete it to make a new one)";
    return "";
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "cannot make " + dir + ": " + ec.message();
    return "";
  }
  // Written whole or not at all: a half-written id would change the server.
  auto id = random_uuid();
  const std::string tmp = path + ".tmp";
  const std::string line = id + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())
            && ::fsync(fd) == 0;
  if (fd >= 0)
    ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    return "";
  }
  return id;
}

} // namespace nodepulse::agent

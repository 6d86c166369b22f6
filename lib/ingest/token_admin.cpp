#include "lib/ingest/token_admin.hpp"

#include "lib/base/read_input.hpp"
#include "lib/base/utc_time.hpp"
#include "lib/ingest/agent_auth.hpp"
#include "lib/text/ascii.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nodepulse::ingest {

namespace {

std::string lowered(std::string s) {
  for (auto& c : s)
    c = text::ascii_lower(c);
  return s;
}

std::string io_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// The file's text, checked as the ingest reads it; "" for a file not there
// yet when `missing_ok`.
std::string read_checked(const std::string& path, std::string& text, bool missing_ok) {
  if (missing_ok && ::access(path.c_str(), F_OK) != 0)
    return "";
  std::string error;
  if (!node::read_input(path, text, error))
    return error;
  token_registry check;
  if (auto problem = check.load(text); !problem.empty())
    return path + ": " + problem;
  return "";
}

// The entries of a checked file's text, in file order.
std::vector<token_entry> entries(std::string_view text) {
  std::vector<token_entry> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text::trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#')
      continue;
    auto blank = line.find_first_of(" \t");
    token_entry e;
    e.server_id = std::string{line.substr(0, blank)};
    e.token_hash = lowered(std::string{text::trim(line.substr(blank))});
    out.push_back(std::move(e));
  }
  return out;
}

// Writes `text` to `path` whole: beside it, synced, renamed over it; with
// the file's mode, 0600 for a new one.
std::string replace_file(const std::string& path, const std::string& text) {
  struct stat st {};
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0600;
  const auto temporary = path + ".new";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return io_error("cannot write", temporary);
  ::fchmod(fd, mode); // the umask must not widen or narrow it
  bool ok =
    ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  auto error = ok ? std::string{} : io_error("cannot write", temporary);
  ::close(fd);
  if (ok && ::rename(temporary.c_str(), path.c_str()) != 0)
    error = io_error("cannot replace", path);
  if (!error.empty())
    ::unlink(temporary.c_str());
  return error;
}

} // namespace

std::string tokens_file_add(const std::string& path, const std::string& server_id,
                            const std::string& token_hash) {
  std::string text;
  if (auto error = read_checked(path, text, true); !error.empty())
    return error;
  if (!text.empty() && text.back() != '\n')
    text += '\n';
  text += server_id + " " + token_hash + "\n";
  return replace_file(path, text);
}

std::string tokens_file_revoke(const std::string& path, const std::string& server_id,
                               const std::string& hash_prefix, size_t& revoked) {
  revoked = 0;
  std::string text;
  if (auto error = read_checked(path, text, false); !error.empty())
    return error;
  auto matches = [&](const token_entry& e) {
    return server_id.empty() ? e.token_hash.rfind(hash_prefix, 0) == 0
                             : lowered(e.server_id) == lowered(server_id);
  };
  size_t found = 0;
  for (const auto& e : entries(text))
    found += matches(e) ? 1 : 0;
  if (found == 0)
    return path + ": no token of " + (server_id.empty() ? "hash " + hash_prefix + "…" : server_id);
  if (server_id.empty() && found > 1)
    return path + ": " + std::to_string(found) + " tokens' hashes start with " + hash_prefix
           + "; give more of it";
  // Line by line, so comments and order stay as the operator left them.
  std::string out;
  std::string_view rest = text;
  const auto when = utc_text(static_cast<int64_t>(std::time(nullptr)) * 1000);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    auto parsed = entries(line);
    if (parsed.size() == 1 && matches(parsed.front())) {
      out += "# revoked " + when + ": " + parsed.front().server_id + " "
             + parsed.front().token_hash.substr(0, 12) + "…\n";
      ++revoked;
      continue;
    }
    out.append(line) += '\n';
  }
  return replace_file(path, out);
}

std::string tokens_file_list(const std::string& path, std::vector<token_entry>& out) {
  std::string text;
  if (auto error = read_checked(path, text, false); !error.empty())
    return error;
  out = entries(text);
  return "";
}

} // namespace nodepulse::ingest

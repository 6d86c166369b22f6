#include "lib/ingest/agent_auth.hpp"

#include "lib/base/read_input.hpp"

#include "lib/text/ascii.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace nodepulse::ingest {

namespace {

std::string lower_hex(const unsigned char* bytes, size_t n) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 0xf];
  }
  return out;
}

} // namespace

std::string hash_token(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  return lower_hex(digest, len);
}

std::string new_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error("OpenSSL could not make random bytes for a token");
  return lower_hex(bytes, sizeof bytes);
}

std::string token_registry::load(std::string_view file_text) {
  std::unordered_map<std::string, std::string> loaded;
  size_t line_no = 0;
  while (!file_text.empty()) {
    auto nl = file_text.find('\n');
    std::string_view line = text::trim(file_text.substr(0, nl));
    file_text = nl == std::string_view::npos ? std::string_view{} : file_text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#')
      continue;
    auto blank = line.find_first_of(" \t");
    std::string_view id = line.substr(0, blank);
    std::string_view hash =
      blank == std::string_view::npos ? std::string_view{} : text::trim(line.substr(blank));
    auto where = "line " + std::to_string(line_no) + ": ";
    if (!valid_uuid(id))
      return where + "'" + std::string{id} + "' is not a server id (a UUID)";
    if (hash.size() != 64
        || hash.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos)
      return where
             + "expected the token's SHA-256 as 64 hex digits after "
               "the server id";
    std::string key{hash};
    for (auto& c : key)
      c = text::ascii_lower(c);
    if (!loaded.emplace(key, detail::check_query_server_id(id).server_id).second)
      return where + "the same token hash is listed twice";
  }
  by_hash_ = std::move(loaded);
  return "";
}

std::optional<std::string> token_registry::server_of(std::string_view token) const {
  auto it = by_hash_.find(hash_token(token));
  if (it == by_hash_.end())
    return std::nullopt;
  return it->second;
}

std::optional<std::optional<std::string>> token_cache::find(const std::string& token_hash,
                                                            int64_t now_ms) const {
  auto it = entries_.find(token_hash);
  if (it == entries_.end() || it->second.expires_ms <= now_ms)
    return std::nullopt;
  return it->second.server_id;
}

void token_cache::put(const std::string& token_hash, std::optional<std::string> server_id,
                      int64_t now_ms) {
  if (entries_.size() >= max_entries_ && entries_.count(token_hash) == 0)
    entries_.clear();
  entries_[token_hash] = {std::move(server_id), now_ms + ttl_ms_};
}

namespace detail {

auth_decision check_query_server_id(std::string_view query_server_id) {
  if (query_server_id.empty())
    return {400, "", "missing server_id query parameter"};
  if (!valid_uuid(query_server_id))
    return {400, "",
            "server_id '" + std::string{query_server_id.substr(0, 64)} + "' is not a UUID"};
  // One server, one spelling: the stream and the loss detector compare ids
  // as text, and PostgreSQL prints uuids in lower case.
  std::string id{query_server_id};
  for (auto& c : id)
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  return {200, std::move(id), ""};
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  auto h = text::trim(authorization);
  constexpr std::string_view scheme = "bearer ";
  if (h.size() <= scheme.size() || !text::istarts_with(h, scheme))
    return std::nullopt;
  auto token = text::trim(h.substr(scheme.size()));
  if (token.empty() || token.find_first_of(" \t") != std::string_view::npos)
    return std::nullopt;
  return token;
}

} // namespace detail

std::shared_ptr<token_registry> read_tokens_file(const std::string& path, std::string& error) {
  std::string text;
  if (!node::read_input(path, text, error))
    return nullptr;
  auto tokens = std::make_shared<token_registry>();
  auto problem = tokens->load(text);
  if (!problem.empty()) {
    error = path + ": " + problem;
    return nullptr;
  }
  return tokens;
}

} // namespace nodepulse::ingest

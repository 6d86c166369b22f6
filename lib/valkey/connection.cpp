#include "lib/valkey/connection.hpp"

#include "lib/text/redact.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace nodepulse::valkey {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

} // namespace

void reply_deleter::operator()(redisReply* r) const {
  if (r != nullptr)
    freeReplyObject(r);
}

std::optional<address> parse_url(std::string_view url, std::string& error) {
  address a;
  for (std::string_view scheme : {"redis://", "valkey://"}) {
    if (url.rfind(scheme, 0) != 0)
      continue;
    auto rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    rest = rest.substr(0, slash); // a database number is not supported
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
      auto userinfo = rest.substr(0, at);
      auto colon = userinfo.find(':');
      a.username = std::string{userinfo.substr(0, colon)};
      if (colon != std::string_view::npos)
        a.password = std::string{userinfo.substr(colon + 1)};
      rest = rest.substr(at + 1);
    }
    auto colon = rest.rfind(':');
    a.host = std::string{rest.substr(0, colon)};
    if (colon != std::string_view::npos) {
      auto port = rest.substr(colon + 1);
      a.port = 0;
      for (char c : port) {
        if (c < '0' || c > '9' || a.port > 65535) {
          a.port = -1;
          break;
        }
        a.port = a.port * 10 + (c - '0');
      }
      if (port.empty() || a.port < 1 || a.port > 65535) {
        error = "bad port in '" + text::redact_url(url) + "'";
        return std::nullopt;
      }
    }
    if (a.host.empty()) {
      error = "no host in '" + text::redact_url(url) + "'";
      return std::nullopt;
    }
    return a;
  }
  if (url.rfind("unix://", 0) == 0 && url.size() > 7) {
    a.unix_path = std::string{url.substr(7)};
    return a;
  }
  error = "expected redis://host:port, valkey://host:port or unix:///path, got '"
          + text::redact_url(url) + "'";
  return std::nullopt;
}

connection::connection(address addr, std::chrono::milliseconds timeout)
  : addr_(std::move(addr)), timeout_(timeout) {}

connection::~connection() {
  drop();
}

void connection::drop() {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
}

bool connection::ensure_connected(std::string& error) {
  if (ctx_ != nullptr)
    return true;
  auto tv = to_timeval(timeout_);
  redisContext* c = addr_.unix_path.empty()
                      ? redisConnectWithTimeout(addr_.host.c_str(), addr_.port, tv)
                      : redisConnectUnixWithTimeout(addr_.unix_path.c_str(), tv);
  if (c == nullptr || c->err != 0) {
    error = c != nullptr ? c->errstr : "cannot allocate a connection";
    if (c != nullptr)
      redisFree(c);
    return false;
  }
  redisSetTimeout(c, tv);
  if (!addr_.password.empty()) {
    reply_ptr auth{static_cast<redisReply*>(
      addr_.username.empty()
        ? redisCommand(c, "AUTH %b", addr_.password.data(), addr_.password.size())
        : redisCommand(c, "AUTH %b %b", addr_.username.data(), addr_.username.size(),
                       addr_.password.data(), addr_.password.size()))};
    if (!auth || auth->type == REDIS_REPLY_ERROR) {
      error = auth ? "AUTH refused: " + std::string{auth->str, auth->len} : c->errstr;
      redisFree(c);
      return false;
    }
  }
  ctx_ = c;
  ++connects_;
  return true;
}

reply_ptr connection::command(const std::vector<std::string_view>& args, std::string& error,
                              std::optional<std::chrono::milliseconds> timeout) {
  if (!ensure_connected(error))
    return nullptr;
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  if (timeout)
    redisSetTimeout(ctx_, to_timeval(*timeout));
  reply_ptr reply{static_cast<redisReply*>(
    redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), argvlen.data()))};
  if (!reply) {
    error = ctx_->errstr;
    drop(); // the connection is unusable after an I/O error
    return nullptr;
  }
  if (timeout)
    redisSetTimeout(ctx_, to_timeval(timeout_));
  return reply;
}

bool connection::pipeline(const std::vector<std::vector<std::string_view>>& commands,
                          std::vector<reply_ptr>& replies, std::string& error) {
  replies.clear();
  if (!ensure_connected(error))
    return false;
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  for (const auto& args : commands) {
    argv.clear();
    argvlen.clear();
    for (auto a : args) {
      argv.push_back(a.data());
      argvlen.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), argvlen.data())
        != REDIS_OK) {
      error = ctx_->errstr;
      drop();
      return false;
    }
  }
  for (size_t i = 0; i < commands.size(); ++i) {
    void* r = nullptr;
    if (redisGetReply(ctx_, &r) != REDIS_OK || r == nullptr) {
      error = ctx_->errstr;
      drop();
      return false;
    }
    replies.emplace_back(static_cast<redisReply*>(r));
  }
  return true;
}

std::optional<int64_t> stream_length(connection& conn, const std::string& stream,
                                     std::string& error) {
  auto reply = conn.command({"XLEN", stream}, error);
  if (!reply)
    return std::nullopt;
  if (reply->type != REDIS_REPLY_INTEGER) {
    error = reply_error(reply.get(), "XLEN");
    return std::nullopt;
  }
  return static_cast<int64_t>(reply->integer);
}

std::optional<std::chrono::milliseconds>
oldest_entry_age(connection& conn, const std::string& stream, std::string& error) {
  auto oldest = conn.command({"XRANGE", stream, "-", "+", "COUNT", "1"}, error);
  if (!oldest)
    return std::nullopt;
  if (oldest->type != REDIS_REPLY_ARRAY) {
    error = reply_error(oldest.get(), "XRANGE");
    return std::nullopt;
  }
  if (oldest->elements == 0)
    return std::chrono::milliseconds{0};
  const redisReply* entry = oldest->element[0];
  if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 1
      || entry->element[0]->type != REDIS_REPLY_STRING) {
    error = "unexpected reply to XRANGE";
    return std::nullopt;
  }
  // An entry id is "<milliseconds>-<sequence>".
  std::string_view id{entry->element[0]->str, entry->element[0]->len};
  int64_t added_ms = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), added_ms);
  if (ec != std::errc{} || end == id.data()) {
    error = "XRANGE: entry id '" + std::string{id} + "' is not <milliseconds>-<sequence>";
    return std::nullopt;
  }
  auto now = conn.command({"TIME"}, error);
  if (!now)
    return std::nullopt;
  if (now->type != REDIS_REPLY_ARRAY || now->elements != 2
      || now->element[0]->type != REDIS_REPLY_STRING
      || now->element[1]->type != REDIS_REPLY_STRING) {
    error = reply_error(now.get(), "TIME");
    return std::nullopt;
  }
  int64_t seconds = std::strtoll(now->element[0]->str, nullptr, 10);
  int64_t micros = std::strtoll(now->element[1]->str, nullptr, 10);
  int64_t now_ms = seconds * 1000 + micros / 1000;
  return std::chrono::milliseconds{std::max<int64_t>(0, now_ms - added_ms)};
}

std::string reply_error(const redisReply* r, std::string_view command) {
  if (r != nullptr && r->type == REDIS_REPLY_ERROR)
    return std::string{r->str, r->len};
  return "unexpected reply to " + std::string{command};
}

} // namespace nodepulse::valkey

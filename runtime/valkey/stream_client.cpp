#include "runtime/valkey/stream_client.hpp"

#include <hiredis/hiredis.h>

#include <cstdlib>
#include <memory>
#include <vector>

namespace nodepulse::valkey {

namespace {

// KEYS[1] stream, KEYS[2] batch-id key; ARGV[1] ttl s, ARGV[2] max backlog,
// ARGV[3..] the entry's field/value pairs.
constexpr const char* publish_script = R"lua(
local seen = redis.call('GET', KEYS[2])
if seen then return {'duplicate', seen} end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[2]) then
  return {'backlog', ''}
end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[2], id, 'EX', ARGV[1])
return {'published', id}
)lua";

struct reply_deleter {
  void operator()(redisReply* r) const {
    if (r != nullptr)
      freeReplyObject(r);
  }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

} // namespace

std::optional<address> parse_url(std::string_view url, std::string& error) {
  address a;
  for (std::string_view scheme : {"redis://", "valkey://"}) {
    if (url.rfind(scheme, 0) != 0)
      continue;
    auto rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    rest = rest.substr(0, slash); // a database number is not supported
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
        error = "bad port in '" + std::string{url} + "'";
        return std::nullopt;
      }
    }
    if (a.host.empty()) {
      error = "no host in '" + std::string{url} + "'";
      return std::nullopt;
    }
    return a;
  }
  if (url.rfind("unix://", 0) == 0 && url.size() > 7) {
    a.unix_path = std::string{url.substr(7)};
    return a;
  }
  error = "expected redis://host:port, valkey://host:port or unix:///path, got '"
          + std::string{url} + "'";
  return std::nullopt;
}

stream_client::stream_client(address addr, stream_settings settings)
  : addr_(std::move(addr)), settings_(std::move(settings)) {
}

stream_client::~stream_client() {
  drop_connection();
}

void stream_client::drop_connection() {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
}

bool stream_client::ensure_connected(std::string& error) {
  if (ctx_ != nullptr)
    return true;
  auto tv = to_timeval(settings_.timeout);
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
  ctx_ = c;
  ++connects_;
  return true;
}

publish_result stream_client::publish(const stream_entry& entry) {
  publish_result res;
  if (!ensure_connected(res.error))
    return res;
  const std::string batch_key = settings_.stream + ":batch:" + entry.batch_id;
  const std::string ttl = std::to_string(settings_.batch_id_ttl.count());
  const std::string backlog = std::to_string(settings_.max_backlog);
  const std::string version = std::to_string(entry.version);
  const std::string received = std::to_string(entry.received_at_ms);
  std::vector<std::string_view> args = {
    "EVAL", publish_script, "2", settings_.stream, batch_key, ttl, backlog,
    "v", version, "batch_id", entry.batch_id, "server_id", entry.server_id,
    "received_at", received, "payload", entry.payload};
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  for (auto a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  reply_ptr reply{static_cast<redisReply*>(redisCommandArgv(
    ctx_, static_cast<int>(argv.size()), argv.data(), argvlen.data()))};
  if (!reply) {
    res.error = ctx_->errstr;
    drop_connection(); // the connection is unusable after an I/O error
    return res;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    res.error = std::string{reply->str, reply->len};
    return res;
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
      || reply->element[0]->type != REDIS_REPLY_STRING
      || reply->element[1]->type != REDIS_REPLY_STRING) {
    res.error = "unexpected reply to the publish script";
    return res;
  }
  std::string_view what{reply->element[0]->str, reply->element[0]->len};
  res.entry_id.assign(reply->element[1]->str, reply->element[1]->len);
  res.outcome = what == "published"   ? publish_outcome::published
                : what == "duplicate" ? publish_outcome::duplicate
                                      : publish_outcome::backlog_full;
  return res;
}

std::optional<int64_t> stream_client::stream_length(std::string& error) {
  if (!ensure_connected(error))
    return std::nullopt;
  const char* argv[] = {"XLEN", settings_.stream.c_str()};
  size_t argvlen[] = {4, settings_.stream.size()};
  reply_ptr reply{static_cast<redisReply*>(redisCommandArgv(ctx_, 2, argv, argvlen))};
  if (!reply) {
    error = ctx_->errstr;
    drop_connection();
    return std::nullopt;
  }
  if (reply->type != REDIS_REPLY_INTEGER) {
    error = reply->type == REDIS_REPLY_ERROR ? std::string{reply->str, reply->len}
                                             : "unexpected reply to XLEN";
    return std::nullopt;
  }
  return static_cast<int64_t>(reply->integer);
}

} // namespace nodepulse::valkey

#include "runtime/valkey/stream_client.hpp"

#include <hiredis/hiredis.h>

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

} // namespace

stream_client::stream_client(address addr, stream_settings settings)
  : settings_(std::move(settings)), conn_(std::move(addr), settings_.timeout) {
}

stream_client::~stream_client() = default;

publish_result stream_client::publish(const stream_entry& entry) {
  publish_result res;
  const std::string batch_key = settings_.stream + ":batch:" + entry.batch_id;
  const std::string ttl = std::to_string(settings_.batch_id_ttl.count());
  const std::string backlog = std::to_string(settings_.max_backlog);
  const std::string version = std::to_string(entry.version);
  const std::string received = std::to_string(entry.received_at_ms);
  auto reply = conn_.command({
    "EVAL", publish_script, "2", settings_.stream, batch_key, ttl, backlog,
    "v", version, "batch_id", entry.batch_id, "server_id", entry.server_id,
    "received_at", received, "payload", entry.payload}, res.error);
  if (!reply)
    return res;
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
  return valkey::stream_length(conn_, settings_.stream, error);
}

} // namespace nodepulse::valkey

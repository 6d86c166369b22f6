#include "lib/valkey/stream_client.hpp"

#include "lib/valkey/persistence.hpp"

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
  : settings_(std::move(settings)), conn_(std::move(addr), settings_.timeout) {}

stream_client::~stream_client() = default;

bool stream_client::check_durability(std::string& error) {
  auto now = std::chrono::steady_clock::now();
  bool fresh = durability_.known && conn_.connected() && checked_connection_ == conn_.connects()
               && now - checked_at_ < settings_.durability_recheck;
  if (fresh)
    return true;
  bool unreachable = false;
  auto settings = read_persistence(conn_, error, unreachable);
  if (unreachable) {
    durability_ = {};
    return false;
  }
  durability_.known = true;
  durability_.problem =
    settings ? durability_problem(*settings) : "its persistence settings cannot be read: " + error;
  durability_.durable = durability_.problem.empty();
  checked_connection_ = conn_.connects();
  checked_at_ = now;
  return true;
}

namespace {

// What the publish script answered for one entry.
publish_result interpret(const redisReply* reply) {
  publish_result res;
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

} // namespace

publish_result stream_client::publish(const stream_entry& entry) {
  return publish_all({&entry}).front();
}

std::vector<publish_result>
stream_client::publish_all(const std::vector<const stream_entry*>& entries) {
  std::vector<publish_result> results(entries.size());
  auto fail_all = [&](publish_outcome outcome, const std::string& error) {
    for (auto& r : results) {
      r.outcome = outcome;
      r.error = error;
    }
    return results;
  };
  std::string error;
  if (!check_durability(error))
    return fail_all(publish_outcome::unavailable, error);
  if (!durability_.durable && settings_.require_durable)
    return fail_all(publish_outcome::not_durable, durability_.problem);
  const std::string ttl = std::to_string(settings_.batch_id_ttl.count());
  const std::string backlog = std::to_string(settings_.max_backlog);
  // The commands point into these: sized once, so nothing moves.
  std::vector<std::string> batch_keys(entries.size()), versions(entries.size()),
    received(entries.size());
  std::vector<std::vector<std::string_view>> commands;
  commands.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = *entries[i];
    batch_keys[i] = settings_.stream + ":batch:" + e.batch_id;
    versions[i] = std::to_string(e.version);
    received[i] = std::to_string(e.received_at_ms);
    commands.push_back({"EVAL", publish_script, "2", settings_.stream, batch_keys[i], ttl, backlog,
                        "v", versions[i], "batch_id", e.batch_id, "server_id", e.server_id,
                        "received_at", received[i], "payload", e.payload});
    if (!e.agent_dropped.empty()) {
      commands.back().push_back("agent_dropped");
      commands.back().push_back(e.agent_dropped);
    }
  }
  std::vector<reply_ptr> replies;
  if (!conn_.pipeline(commands, replies, error))
    return fail_all(publish_outcome::unavailable, error);
  for (size_t i = 0; i < entries.size(); ++i)
    results[i] = interpret(replies[i].get());
  return results;
}

std::optional<int64_t> stream_client::stream_length(std::string& error) {
  return valkey::stream_length(conn_, settings_.stream, error);
}

} // namespace nodepulse::valkey

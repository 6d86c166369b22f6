#include "lib/valkey/stream_consumer.hpp"

#include <hiredis/hiredis.h>
#include <unistd.h>

#include <charconv>
#include <unordered_map>

namespace nodepulse::valkey {

namespace {

std::string_view str(const redisReply* r) {
  return r != nullptr
             && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS
                 || r->type == REDIS_REPLY_ERROR)
           ? std::string_view{r->str, r->len}
           : std::string_view{};
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  return res.ec == std::errc{} && res.ptr == s.data() + s.size();
}

// One [id, [field, value, ...]] element of XREADGROUP / XCLAIM; fields nil
// for an entry deleted while pending.
digest::delivery to_delivery(const redisReply* r) {
  digest::delivery d;
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
    d.malformed = "not an [id, fields] pair";
    return d;
  }
  d.id = std::string{str(r->element[0])};
  const redisReply* fields = r->element[1];
  if (fields == nullptr || fields->type == REDIS_REPLY_NIL) {
    d.deleted = true;
    return d;
  }
  if (fields->type != REDIS_REPLY_ARRAY || fields->elements % 2 != 0) {
    d.malformed = "fields are not name/value pairs";
    return d;
  }
  bool has_version = false, has_batch = false, has_server = false, has_received = false,
       has_payload = false;
  auto& e = d.entry;
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    auto name = str(fields->element[i]);
    auto value = str(fields->element[i + 1]);
    if (name == "v") {
      has_version = parse_int(value, e.version);
    } else if (name == "batch_id") {
      e.batch_id = std::string{value};
      has_batch = !value.empty();
    } else if (name == "server_id") {
      e.server_id = std::string{value};
      has_server = !value.empty();
    } else if (name == "received_at") {
      has_received = parse_int(value, e.received_at_ms);
    } else if (name == "payload") {
      e.payload = std::string{value};
      has_payload = true;
    } else if (name == "agent_dropped") {
      e.agent_dropped = std::string{value};
    }
  }
  if (!has_version)
    d.malformed = "field 'v' missing or not an integer";
  else if (e.version != stream_encoding_version)
    d.malformed = "encoding version " + std::to_string(e.version) + " is not supported";
  else if (!has_batch)
    d.malformed = "field 'batch_id' missing";
  else if (!has_server)
    d.malformed = "field 'server_id' missing";
  else if (!has_received)
    d.malformed = "field 'received_at' missing or not an integer";
  else if (!has_payload)
    d.malformed = "field 'payload' missing";
  return d;
}

// The entries of an XREADGROUP reply: [[stream, [entry, ...]]], or nil.
void read_entries(const redisReply* r, std::vector<digest::delivery>& out) {
  if (r->type != REDIS_REPLY_ARRAY)
    return; // nil: nothing arrived
  for (size_t s = 0; s < r->elements; ++s) {
    const redisReply* stream = r->element[s];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2
        || stream->element[1]->type != REDIS_REPLY_ARRAY)
      continue;
    for (size_t i = 0; i < stream->element[1]->elements; ++i)
      out.push_back(to_delivery(stream->element[1]->element[i]));
  }
}

} // namespace

std::string default_consumer_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  return std::string{host[0] != '\0' ? host : "digest"} + "-" + std::to_string(getpid());
}

stream_consumer::stream_consumer(address addr, consumer_settings settings)
  : settings_(std::move(settings)), conn_(std::move(addr), settings_.timeout) {
  if (settings_.consumer.empty())
    settings_.consumer = default_consumer_name();
}

bool stream_consumer::prepare(bool& created, std::string& error) {
  // From 0: entries published before the first digest ever ran are read too.
  auto reply =
    conn_.command({"XGROUP", "CREATE", settings_.stream, settings_.group, "0", "MKSTREAM"}, error);
  if (!reply)
    return false;
  bool exists = reply->type == REDIS_REPLY_ERROR && str(reply.get()).rfind("BUSYGROUP", 0) == 0;
  if (reply->type == REDIS_REPLY_ERROR && !exists) {
    error = reply_error(reply.get(), "XGROUP CREATE");
    return false;
  }
  created = !exists;
  return true;
}

std::optional<std::vector<digest::delivery>> stream_consumer::read_new(size_t max,
                                                                       std::string& error) {
  const auto count = std::to_string(max);
  const auto block = std::to_string(settings_.block.count());
  auto reply = conn_.command({"XREADGROUP", "GROUP", settings_.group, settings_.consumer, "COUNT",
                              count, "BLOCK", block, "STREAMS", settings_.stream, ">"},
                             error, settings_.block + settings_.timeout);
  if (!reply)
    return std::nullopt;
  if (reply->type == REDIS_REPLY_ERROR) {
    error = reply_error(reply.get(), "XREADGROUP");
    return std::nullopt;
  }
  std::vector<digest::delivery> out;
  read_entries(reply.get(), out);
  return out;
}

std::optional<std::vector<digest::delivery>> stream_consumer::read_own_pending(size_t max,
                                                                               std::string& error) {
  return claim(std::chrono::milliseconds{0}, max, true, error);
}

std::optional<std::vector<digest::delivery>> stream_consumer::claim_idle(size_t max,
                                                                         std::string& error) {
  return claim(settings_.claim_min_idle, max, false, error);
}

std::optional<std::vector<digest::delivery>>
stream_consumer::claim(std::chrono::milliseconds min_idle, size_t max, bool only_mine,
                       std::string& error) {
  const auto idle = std::to_string(min_idle.count());
  const auto count = std::to_string(max);
  std::vector<std::string_view> pending_args{
    "XPENDING", settings_.stream, settings_.group, "IDLE", idle, "-", "+", count};
  if (only_mine)
    pending_args.push_back(settings_.consumer);
  auto pending = conn_.command(pending_args, error);
  if (!pending)
    return std::nullopt;
  if (pending->type != REDIS_REPLY_ARRAY) {
    error = reply_error(pending.get(), "XPENDING");
    return std::nullopt;
  }
  std::vector<digest::delivery> out;
  if (pending->elements == 0)
    return out;
  // [id, consumer, idle ms, times delivered]
  std::unordered_map<std::string, uint32_t> delivered;
  std::vector<std::string> ids;
  for (size_t i = 0; i < pending->elements; ++i) {
    const redisReply* p = pending->element[i];
    if (p->type != REDIS_REPLY_ARRAY || p->elements != 4)
      continue;
    ids.emplace_back(str(p->element[0]));
    delivered[ids.back()] = static_cast<uint32_t>(p->element[3]->integer);
  }
  std::vector<std::string_view> claim_args{"XCLAIM", settings_.stream, settings_.group,
                                           settings_.consumer, idle};
  for (const auto& id : ids)
    claim_args.push_back(id);
  auto claimed = conn_.command(claim_args, error);
  if (!claimed)
    return std::nullopt;
  if (claimed->type != REDIS_REPLY_ARRAY) {
    error = reply_error(claimed.get(), "XCLAIM");
    return std::nullopt;
  }
  for (size_t i = 0; i < claimed->elements; ++i) {
    const redisReply* r = claimed->element[i];
    if (r->type == REDIS_REPLY_NIL)
      continue;
    out.push_back(to_delivery(r));
    auto& d = out.back();
    d.deliveries = delivered[d.id] + 1; // XCLAIM counted one more
    delivered.erase(d.id);
  }
  // Claimed but not returned: deleted from the stream while pending (Valkey
  // 7 drops such ids from the pending list itself; older ones keep them).
  for (const auto& [id, times] : delivered) {
    digest::delivery d;
    d.id = id;
    d.deleted = true;
    d.deliveries = times + 1;
    out.push_back(std::move(d));
  }
  return out;
}

bool stream_consumer::transaction(const std::vector<std::vector<std::string_view>>& commands,
                                  std::string& error) {
  auto multi = conn_.command({"MULTI"}, error);
  if (!multi)
    return false;
  for (const auto& c : commands) {
    auto queued = conn_.command(c, error);
    if (!queued)
      return false;
    if (queued->type == REDIS_REPLY_ERROR) {
      error = reply_error(queued.get(), c.front());
      conn_.command({"DISCARD"}, error);
      return false;
    }
  }
  auto exec = conn_.command({"EXEC"}, error);
  if (!exec)
    return false;
  if (exec->type != REDIS_REPLY_ARRAY) {
    error = reply_error(exec.get(), "EXEC");
    return false;
  }
  for (size_t i = 0; i < exec->elements; ++i) {
    if (exec->element[i]->type == REDIS_REPLY_ERROR) {
      error = reply_error(exec->element[i], "a command in MULTI");
      return false;
    }
  }
  return true;
}

bool stream_consumer::acknowledge(const std::vector<std::string>& ids, std::string& error) {
  if (ids.empty())
    return true;
  std::vector<std::string_view> ack{"XACK", settings_.stream, settings_.group};
  std::vector<std::string_view> del{"XDEL", settings_.stream};
  for (const auto& id : ids) {
    ack.push_back(id);
    del.push_back(id);
  }
  return transaction({ack, del}, error);
}

bool stream_consumer::dead_letter(const digest::delivery& d, const std::string& reason,
                                  std::string& error) {
  const auto max_length = std::to_string(settings_.dead_letter_max_length);
  const auto version = std::to_string(d.entry.version);
  const auto received = std::to_string(d.entry.received_at_ms);
  const auto deliveries = std::to_string(d.deliveries);
  std::vector<std::vector<std::string_view>> commands;
  if (!d.deleted)
    commands.push_back({"XADD",        settings_.dead_letter_stream,
                        "MAXLEN",      "~",
                        max_length,    "*",
                        "source_id",   d.id,
                        "reason",      reason,
                        "deliveries",  deliveries,
                        "v",           version,
                        "batch_id",    d.entry.batch_id,
                        "server_id",   d.entry.server_id,
                        "received_at", received,
                        "payload",     d.entry.payload});
  if (!d.deleted && !d.entry.agent_dropped.empty()) {
    commands.back().push_back("agent_dropped");
    commands.back().push_back(d.entry.agent_dropped);
  }
  commands.push_back({"XACK", settings_.stream, settings_.group, d.id});
  commands.push_back({"XDEL", settings_.stream, d.id});
  return transaction(commands, error);
}

std::optional<digest::backlog_figures> stream_consumer::backlog(std::string& error) {
  digest::backlog_figures out;
  auto length = stream_length(conn_, settings_.stream, error);
  if (!length)
    return std::nullopt;
  out.length = *length;
  auto pending = conn_.command({"XPENDING", settings_.stream, settings_.group}, error);
  if (!pending)
    return std::nullopt;
  if (pending->type == REDIS_REPLY_ARRAY && pending->elements >= 1
      && pending->element[0]->type == REDIS_REPLY_INTEGER)
    out.pending = pending->element[0]->integer;
  auto dead = stream_length(conn_, settings_.dead_letter_stream, error);
  if (!dead)
    return std::nullopt;
  out.dead_letters = *dead;
  auto age = oldest_entry_age(conn_, settings_.stream, error);
  if (!age)
    return std::nullopt;
  out.oldest_age_ms = age->count();
  return out;
}

} // namespace nodepulse::valkey

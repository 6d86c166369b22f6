#include "actors/ingest/stream_publisher.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace nodepulse {

stream_backend valkey_backend(std::shared_ptr<valkey::stream_client> client) {
  stream_backend backend;
  backend.publish = [client](const std::vector<const valkey::stream_entry*>& entries) {
    return client->publish_all(entries);
  };
  backend.length = [client](std::string& error) { return client->stream_length(error); };
  backend.durability = [client] {
    std::string error;
    client->check_durability(error);
    return client->durability();
  };
  backend.require_durable = client->settings().require_durable;
  return backend;
}

namespace {

using self_ptr = publisher_actor::stateful_pointer<stream_publisher_state>;

// Logs a change in Valkey's durability once, not per push.
void note_durability(stream_publisher_state& st, const valkey::durability_status& d) {
  if (!d.known || d.problem == st.durability_problem)
    return;
  if (d.durable)
    spdlog::info("stream_publisher: Valkey is durable now (appendonly yes, appendfsync "
                 "always); pushes are acknowledged again");
  else if (st.backend.require_durable)
    spdlog::error("stream_publisher: Valkey {}; pushes are refused with 503 until it is "
                  "set (or valkey.allow_data_loss: true accepts the loss)",
                  d.problem);
  else
    spdlog::warn("stream_publisher: Valkey {}; pushes are acknowledged anyway because "
                 "valkey.allow_data_loss is true",
                 d.problem);
  st.durability_problem = d.problem;
}

// What the agent is told for one entry's outcome; counts it.
publish_ack answer(stream_publisher_state& st, valkey::publish_result& res) {
  publish_ack ack;
  switch (res.outcome) {
    case valkey::publish_outcome::published:
    case valkey::publish_outcome::duplicate:
      ack.stored = true;
      ack.duplicate = res.outcome == valkey::publish_outcome::duplicate;
      ack.entry_id = std::move(res.entry_id);
      ++(ack.duplicate ? st.duplicates : st.published);
      st.failures_in_a_row = 0;
      break;
    case valkey::publish_outcome::backlog_full:
      ack.retry_after_s = backlog_retry_after_s;
      ack.error = "the stream is over its backlog limit; retry later";
      ++st.refused_backlog;
      st.failures_in_a_row = 0; // Valkey answered: it is reachable
      break;
    case valkey::publish_outcome::unavailable:
      // failures_in_a_row counts failed writes, not the pushes in them: a
      // pipeline of 64 that fails is one failure (flush counts it).
      ack.retry_after_s = std::min<uint32_t>(1u << std::min<uint32_t>(st.failures_in_a_row, 5),
                                             max_unavailable_retry_after_s);
      ack.error = "Valkey is unavailable: " + res.error;
      ++st.unavailable;
      break;
    case valkey::publish_outcome::not_durable:
      ack.retry_after_s = not_durable_retry_after_s;
      ack.error = "Valkey does not keep acknowledged pushes through a crash: " + res.error
                  + "; refusing pushes until it does";
      ++st.refused_not_durable;
      st.failures_in_a_row = 0; // Valkey answered: it is reachable
      break;
  }
  return ack;
}

// Writes up to max_publish_batch waiting pushes in one go and answers each.
void flush(self_ptr self) {
  auto& st = self->state;
  size_t n = std::min(st.waiting.size(), max_publish_batch);
  std::vector<const valkey::stream_entry*> entries;
  entries.reserve(n);
  for (size_t i = 0; i < n; ++i)
    entries.push_back(&st.waiting[i].entry);
  auto results = st.backend.publish(entries);
  bool answered = false, failed = false;
  for (size_t i = 0; i < n; ++i) {
    bool unavailable = results[i].outcome == valkey::publish_outcome::unavailable;
    answered = answered || !unavailable;
    failed = failed || unavailable;
    st.waiting[i].promise.deliver(answer(st, results[i]));
  }
  if (failed)
    ++st.failures_in_a_row;
  st.waiting.erase(st.waiting.begin(), st.waiting.begin() + static_cast<ptrdiff_t>(n));
  if (answered && st.backend.durability)
    note_durability(st, st.backend.durability());
  // Whatever came meanwhile is behind this message in the mailbox: the next
  // flush takes it all together.
  st.flush_scheduled = !st.waiting.empty();
  if (st.flush_scheduled)
    self->send(self, poll_atom::value);
}

} // namespace

publisher_actor::behavior_type
stream_publisher(publisher_actor::stateful_pointer<stream_publisher_state> self,
                 stream_backend backend) {
  self->state.backend = std::move(backend);
  // Read Valkey's persistence at start, so a server that would lose pushes
  // is named in the log before the first agent pushes.
  if (self->state.backend.durability)
    note_durability(self->state, self->state.backend.durability());
  return {
    [self](status_atom) {
      auto& st = self->state;
      publisher_status status;
      if (auto len = st.backend.length(status.error)) {
        status.reachable = true;
        status.backlog = *len;
      }
      status.published = st.published;
      status.duplicates = st.duplicates;
      status.refused_backlog = st.refused_backlog;
      status.unavailable = st.unavailable;
      status.refused_not_durable = st.refused_not_durable;
      if (st.backend.durability) {
        auto d = st.backend.durability();
        note_durability(st, d);
        status.durable = d.known && d.durable;
        status.durability_problem = d.known ? d.problem : "not known yet";
      } else {
        status.durable = true; // a backend without persistence to ask about
      }
      status.refusing = !status.durable && st.backend.require_durable;
      return status;
    },
    [self](publish_atom, publish_request& req) -> caf::result<publish_ack> {
      auto& st = self->state;
      valkey::stream_entry entry;
      entry.batch_id = std::move(req.batch_id);
      entry.server_id = std::move(req.server_id);
      entry.received_at_ms = req.received_at_ms;
      entry.payload = std::move(req.payload);
      entry.agent_dropped = std::move(req.agent_dropped);
      auto promise = self->make_response_promise<publish_ack>();
      st.waiting.push_back({std::move(entry), promise});
      if (!st.flush_scheduled) {
        st.flush_scheduled = true;
        self->send(self, poll_atom::value);
      }
      return promise;
    },
    [self](poll_atom) { flush(self); },
  };
}

} // namespace nodepulse

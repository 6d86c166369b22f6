#include "actors/ingest/stream_publisher.hpp"

#include <algorithm>

namespace nodepulse {

stream_backend valkey_backend(std::shared_ptr<valkey::stream_client> client) {
  stream_backend backend;
  backend.publish = [client](const valkey::stream_entry& e) { return client->publish(e); };
  backend.length = [client](std::string& error) { return client->stream_length(error); };
  return backend;
}

publisher_actor::behavior_type
stream_publisher(publisher_actor::stateful_pointer<stream_publisher_state> self,
                 stream_backend backend) {
  self->state.backend = std::move(backend);
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
      return status;
    },
    [self](publish_atom, publish_request& req) {
      auto& st = self->state;
      valkey::stream_entry entry;
      entry.batch_id = std::move(req.batch_id);
      entry.server_id = std::move(req.server_id);
      entry.received_at_ms = req.received_at_ms;
      entry.payload = std::move(req.payload);
      auto res = st.backend.publish(entry);
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
          ack.retry_after_s = std::min<uint32_t>(
            1u << std::min<uint32_t>(st.failures_in_a_row, 5),
            max_unavailable_retry_after_s);
          ack.error = "Valkey is unavailable: " + res.error;
          ++st.unavailable;
          ++st.failures_in_a_row;
          break;
      }
      return ack;
    },
  };
}

} // namespace nodepulse

#include "actors/ingest/parser_worker.hpp"

#include "runtime/ingest/timestamp_policy.hpp"
#include "runtime/valkey/stream_codec.hpp"

namespace nodepulse {

parser_actor::behavior_type
parser_worker(parser_actor::stateful_pointer<parser_worker_state> self,
              parser_settings settings) {
  self->state.settings = std::move(settings);
  return {
    [self](parse_atom, const parse_request& req) {
      auto& st = self->state;
      ++st.parsed;
      parse_reply reply;
      prom::parse_options opts;
      opts.mode = prom::parse_mode::strict;
      opts.limits = st.settings.limits;
      opts.format = prom::detect_format(req.content_type, req.body);
      auto res = prom::parse(req.body, opts, st.batch);
      if (!res.ok) {
        const auto& e = res.errors.front();
        reply.line = e.line;
        reply.column = e.column;
        reply.error = e.reason;
        return reply;
      }
      auto verdict = ingest::apply_timestamp_policy(
        st.batch, req.received_at_ms, st.settings.max_future_skew_ms);
      reply.ok = true;
      reply.samples = static_cast<uint32_t>(st.batch.samples.size());
      reply.rejected = static_cast<uint32_t>(verdict.rejected);
      reply.first_rejection = std::move(verdict.first_reason);
      reply.line = verdict.first_line;
      valkey::encode_payload(st.batch, req.received_at_ms,
                             {st.settings.zstd_level}, reply.payload);
      return reply;
    },
  };
}

} // namespace nodepulse

#include "actors/ingest/parser_worker.hpp"

#include "lib/http/inflate.hpp"
#include "lib/ingest/agent_auth.hpp"
#include "lib/ingest/legacy_report.hpp"
#include "lib/ingest/timestamp_policy.hpp"
#include "lib/valkey/stream_codec.hpp"

#include <algorithm>

namespace nodepulse {

namespace {

parse_reply failure(uint16_t status, std::string error, uint32_t line = 0, uint32_t column = 0) {
  parse_reply reply;
  reply.status = status;
  reply.error = std::move(error);
  reply.line = line;
  reply.column = column;
  return reply;
}

// The body as text: inflated into `scratch` when compressed. nullopt and
// `error` set when it cannot be (the acceptor has checked the coding) or
// is larger than `max_inflated` (`limit_name` says which limit that is).
std::optional<std::string_view> plain_body(const parse_request& req, size_t max_inflated,
                                           const char* limit_name, std::string& scratch,
                                           parse_reply& error) {
  auto coding = http::parse_content_encoding(req.content_encoding);
  if (!coding) {
    error = failure(415, "unsupported Content-Encoding '" + req.content_encoding
                           + "' (use gzip, zstd or none)");
    return std::nullopt;
  }
  auto too_large = [&] {
    error = failure(413, "body inflates to more than " + std::string{limit_name} + " ("
                           + std::to_string(max_inflated) + " bytes)");
    return std::nullopt;
  };
  if (*coding == http::content_encoding::identity) {
    if (req.body.size() > max_inflated)
      return too_large();
    return std::string_view{req.body};
  }
  auto res = http::inflate(*coding, req.body, max_inflated, scratch);
  if (res.status == http::inflate_status::too_large)
    return too_large();
  if (res.status == http::inflate_status::corrupt) {
    error = failure(400, "cannot decode the " + req.content_encoding + " body: " + res.error);
    return std::nullopt;
  }
  return std::string_view{scratch};
}

// After an outsized push a worker would keep that push's buffers for good
// (vectors and strings keep their capacity): give back what is far over a
// normal scrape's needs.
void shed_outsized_buffers(parser_worker_state& st) {
  constexpr size_t keep_bytes = 4 << 20;
  if (st.inflated.capacity() > keep_bytes)
    std::string{}.swap(st.inflated);
  const auto& b = st.batch;
  size_t held =
    b.samples.capacity() * sizeof(prom::sample) + b.labels.capacity() * sizeof(prom::label)
    + b.families.capacity() * sizeof(prom::family) + b.exemplars.capacity() * sizeof(prom::exemplar)
    + b.arena.capacity() + b.by_name.capacity_bytes();
  if (held > keep_bytes)
    st.batch = prom::sample_batch{};
  st.remote_write.shed(keep_bytes);
}

parse_reply finish(parser_worker_state& st, const parse_request& req, parse_reply reply);

// A remote write request: snappy protobuf, checked as the spec requires.
// Its batch id is the sender's and the body's as sent: senders (Prometheus,
// vmagent) compress a request once and send the same bytes on every retry,
// and hashing those costs a fifth of hashing the decompressed request.
bool decode_remote_write(parser_worker_state& st, const parse_request& req, parse_reply& reply) {
  remote::write_limits limits;
  limits.max_inflated_bytes = st.settings.max_inflated_bytes;
  limits.limits = st.settings.limits;
  auto res = st.remote_write.decode(req.body, req.server_id, st.settings.remote_metadata.get(),
                                    limits, st.batch);
  if (!res.ok) {
    reply = failure(res.status, std::move(res.error));
    return false;
  }
  reply.batch_id = "rw:" + req.server_id + ":" + ingest::hash_token(req.body).substr(0, 32);
  reply.histograms_dropped = res.histograms_dropped;
  reply.exemplars_dropped = res.exemplars_dropped;
  reply.metadata = res.metadata;
  return true;
}

parse_reply parse_one(parser_worker_state& st, const parse_request& req) {
  parse_reply reply;
  if (req.kind == push_kind::remote_write) {
    if (!decode_remote_write(st, req, reply))
      return reply;
    return finish(st, req, std::move(reply));
  }
  bool legacy = req.kind == push_kind::legacy_json;
  // A legacy report is a few hundred bytes: inflating a bomb to the general
  // limit only to refuse it would cost that much memory per worker.
  auto text =
    legacy
      ? plain_body(req, std::min(st.settings.max_inflated_bytes, ingest::max_legacy_report_bytes),
                   "the legacy report's limit", st.inflated, reply)
      : plain_body(req, st.settings.max_inflated_bytes, "limits.max_inflated_bytes", st.inflated,
                   reply);
  if (!text)
    return reply;
  if (legacy) {
    ingest::legacy_report report;
    auto err = ingest::parse_legacy_report(*text, req.received_at_ms, st.batch, report);
    if (!err.empty())
      return failure(400, std::move(err));
    reply.server_id = std::move(report.server_id);
  } else {
    prom::parse_options opts;
    opts.mode = prom::parse_mode::strict;
    opts.limits = st.settings.limits;
    opts.format = prom::detect_format(req.content_type, *text);
    auto res = prom::parse(*text, opts, st.batch);
    if (!res.ok) {
      const auto& e = res.errors.front();
      // Over a count limit is a size problem, not a syntax one.
      const auto& lim = opts.limits;
      bool too_many = (lim.max_samples != 0 && st.batch.samples.size() >= lim.max_samples)
                      || (lim.max_families != 0 && st.batch.families.size() >= lim.max_families);
      return failure(too_many ? 413 : 400, e.reason, e.line, e.column);
    }
  }
  return finish(st, req, std::move(reply));
}

// The timestamp policy and the stream payload, for every kind of push.
parse_reply finish(parser_worker_state& st, const parse_request& req, parse_reply reply) {
  auto verdict =
    ingest::apply_timestamp_policy(st.batch, req.received_at_ms, st.settings.max_future_skew_ms);
  reply.ok = true;
  reply.status = 200;
  reply.samples = static_cast<uint32_t>(st.batch.samples.size());
  reply.rejected = static_cast<uint32_t>(verdict.rejected);
  reply.first_rejection = std::move(verdict.first_reason);
  reply.line = verdict.first_line;
  // A remote write request nothing was taken out of is stored as it came:
  // re-encoding it would cost more than all the checks before.
  if (req.kind == push_kind::remote_write && verdict.rejected == 0)
    valkey::encode_remote_write_payload(st.batch, req.body, reply.payload);
  else
    valkey::encode_payload(st.batch, req.received_at_ms, {st.settings.zstd_level}, reply.payload);
  return reply;
}

} // namespace

parser_actor::behavior_type parser_worker(parser_actor::stateful_pointer<parser_worker_state> self,
                                          parser_settings settings) {
  self->state.settings = std::move(settings);
  return {
    [self](parse_atom, const parse_request& req) {
      auto& st = self->state;
      ++st.parsed;
      auto reply = parse_one(st, req);
      shed_outsized_buffers(st);
      return reply;
    },
  };
}

} // namespace nodepulse

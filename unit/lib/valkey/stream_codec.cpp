#define CAF_SUITE lib.valkey.stream_codec
#include <caf/test/unit_test.hpp>

#include <cstring>

#include "lib/prom/batch_diff.hpp"
#include "lib/remote/prometheus_remote.pb.h"
#include "lib/remote/write_request.hpp"
#include "lib/valkey/stream_codec.hpp"
#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse;
using nodepulse::prom::test::parsed;

namespace {

constexpr int64_t received = 1700000000000;

const char* rich_body = "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
                        "# TYPE node_cpu_seconds_total counter\n"
                        "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 123456.78\n"
                        "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 12345.67 1699999985000\n"
                        "# HELP h Latency \\\\ with\\nnewline.\n# TYPE h histogram\n"
                        "h_bucket{le=\"0.5\",path=\"/q\\\"uote/\xc3\xa9\"} 1 1700000600000\n"
                        "h_bucket{le=\"+Inf\",path=\"/q\\\"uote/\xc3\xa9\"} 2\n"
                        "h_sum NaN\nh_count 2\n"
                        "untyped_thing -Inf\nzero -0\n";

// The batch as ingest publishes it: every sample stamped.
parsed stamped(const char* body) {
  parsed p{body};
  if (!p.result.ok)
    CAF_FAIL("test body rejected: " << p.error());
  p.batch.fill_missing_timestamps(received);
  return p;
}

std::string encoded(const prom::sample_batch& b, int zstd_level) {
  std::string out;
  valkey::encode_payload(b, received, {zstd_level}, out);
  return out;
}

} // namespace

CAF_TEST(a batch decodes back to the same batch plain and compressed) {
  auto p = stamped(rich_body);
  for (int level : {0, 1, 19}) {
    std::string payload = encoded(p.batch, level);
    prom::sample_batch back;
    std::string scratch;
    CAF_REQUIRE_EQUAL(valkey::decode_payload(payload, received, back, scratch), "");
    CAF_CHECK_EQUAL(prom::first_difference(p.batch, back), "");
    CAF_CHECK_EQUAL(back.samples.size(), 8u);
  }
}

CAF_TEST(samples without a timestamp come back stamped with the receive time) {
  parsed p{"a 1\nb 2 1699999999000\n"};
  std::string payload;
  valkey::encode_payload(p.batch, received, {}, payload);
  prom::sample_batch back;
  std::string scratch;
  CAF_REQUIRE_EQUAL(valkey::decode_payload(payload, received, back, scratch), "");
  CAF_CHECK(back.samples[0].has_timestamp);
  CAF_CHECK_EQUAL(back.samples[0].timestamp_ms, received);
  CAF_CHECK_EQUAL(back.samples[1].timestamp_ms, 1699999999000);
}

CAF_TEST(openmetrics units and types survive the stream) {
  auto p = parsed::openmetrics("# TYPE t_celsius gauge\n# UNIT t_celsius celsius\n"
                               "t_celsius 21.5\n# TYPE i info\ni_info{v=\"1\"} 1\n"
                               "# EOF\n");
  CAF_REQUIRE(p.result.ok);
  p.batch.fill_missing_timestamps(received);
  std::string payload = encoded(p.batch, 1);
  prom::sample_batch back;
  std::string scratch;
  CAF_REQUIRE_EQUAL(valkey::decode_payload(payload, received, back, scratch), "");
  CAF_CHECK_EQUAL(prom::first_difference(p.batch, back), "");
  CAF_CHECK_EQUAL(std::string{back.families[0].unit}, "celsius");
  CAF_CHECK(back.families[1].type == prom::metric_type::info);
}

CAF_TEST(strings of a plain payload are views into it) {
  auto p = stamped(rich_body);
  std::string payload = encoded(p.batch, 0);
  prom::sample_batch back;
  std::string scratch;
  CAF_REQUIRE_EQUAL(valkey::decode_payload(payload, received, back, scratch), "");
  auto name = back.samples[0].name;
  CAF_CHECK(name.data() >= payload.data()
            && name.data() + name.size() <= payload.data() + payload.size());
  CAF_CHECK(scratch.empty());
}

CAF_TEST(repeated strings are stored once) {
  std::string body;
  for (int i = 0; i < 200; ++i)
    body += "m{instance=\"host-1:9100\",mode=\"idle\"} " + std::to_string(i) + "\n";
  auto p = stamped(body.c_str());
  std::string payload = encoded(p.batch, 0);
  // 200 samples of 1+1+1+2*2 varints + 8 value bytes + 1 timestamp byte,
  // plus one copy of each string: far below the text's size.
  CAF_CHECK_LESS(payload.size(), 200u * 16 + 64);
  CAF_CHECK_LESS(payload.size(), body.size() / 2);
}

CAF_TEST(every truncation of a payload is an error and never a crash) {
  auto p = stamped(rich_body);
  for (int level : {0, 1}) {
    std::string payload = encoded(p.batch, level);
    for (size_t n = 0; n < payload.size(); ++n) {
      prom::sample_batch back;
      std::string scratch;
      auto err =
        valkey::decode_payload(std::string_view{payload}.substr(0, n), received, back, scratch);
      if (err.empty())
        CAF_FAIL("a payload cut to " << n << " of " << payload.size() << " bytes decoded");
      CAF_CHECK(back.samples.empty());
    }
  }
}

CAF_TEST(every single flipped byte decodes or fails cleanly) {
  auto p = stamped(rich_body);
  std::string payload = encoded(p.batch, 0);
  size_t failures = 0;
  for (size_t i = 0; i < payload.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string bad = payload;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ mask);
      prom::sample_batch back;
      std::string scratch;
      auto err = valkey::decode_payload(bad, received, back, scratch);
      failures += err.empty() ? 0 : 1;
      // Whatever decodes must be internally consistent.
      for (const auto& s : back.samples) {
        CAF_REQUIRE_LESS(s.family, back.families.size());
        CAF_REQUIRE_LESS_OR_EQUAL(s.labels.first + s.labels.count, back.labels.size());
      }
    }
  }
  CAF_CHECK_GREATER(failures, 0u);
}

CAF_TEST(named corruptions give named errors) {
  auto p = stamped("a 1\n");
  std::string payload = encoded(p.batch, 0);
  prom::sample_batch back;
  std::string scratch;
  CAF_CHECK_EQUAL(valkey::decode_payload("XXXX\0", received, back, scratch),
                  "not a nodepulse batch (bad magic)");
  std::string flags = payload;
  flags[4] = 0x40;
  CAF_CHECK_EQUAL(valkey::decode_payload(flags, received, back, scratch), "unknown flags 64");
  // A forged string count far beyond the bytes left is refused before any
  // allocation: magic, flags, then varint 2^62.
  std::string forged = payload.substr(0, 5) + "\x80\x80\x80\x80\x80\x80\x80\x80\x40";
  CAF_CHECK_EQUAL(valkey::decode_payload(forged, received, back, scratch),
                  "string table: bad count");
  std::string trailing = payload + "x";
  CAF_CHECK_EQUAL(valkey::decode_payload(trailing, received, back, scratch),
                  "trailing bytes after the samples");
  std::string bomb = std::string{"NPB1\x01", 5} + "\x80\x80\x80\x80\x10";
  CAF_CHECK_EQUAL(valkey::decode_payload(bomb, received, back, scratch), "bad uncompressed size");
}

namespace {

// A remote write request as Prometheus sends one: a counter with metadata
// in the same request, a histogram's series typed by metadata the ingest
// learnt earlier, a stale marker.
std::string remote_write_body() {
  remote::WriteRequest req;
  auto series = [&](std::initializer_list<std::pair<const char*, const char*>> labels,
                    double value) {
    auto* ts = req.add_timeseries();
    for (const auto& [n, v] : labels) {
      auto* l = ts->add_labels();
      l->set_name(n);
      l->set_value(v);
    }
    auto* s = ts->add_samples();
    s->set_value(value);
    s->set_timestamp(received - 15'000);
  };
  series({{"__name__", "requests_total"}, {"instance", "a:9100"}, {"job", "api"}}, 42);
  series({{"__name__", "latency_seconds_bucket"}, {"job", "api"}, {"le", "0.5"}}, 3);
  series({{"__name__", "latency_seconds_count"}, {"job", "api"}}, 4);
  uint64_t stale = 0x7ff0000000000002ull; // Prometheus's stale marker
  double stale_value;
  std::memcpy(&stale_value, &stale, sizeof stale_value);
  series({{"__name__", "up"}, {"job", "api"}}, stale_value);
  auto* m = req.add_metadata();
  m->set_metric_family_name("requests_total");
  m->set_type(remote::MetricMetadata::COUNTER);
  m->set_help("Requests served.");
  return remote::snappy_compress(req.SerializeAsString());
}

} // namespace

CAF_TEST(a remote write request is stored as sent and decodes to what the ingest decoded) {
  const std::string server = "3c9f6f0e-1d2b-4c5a-9e8f-7a6b5c4d3e2f";
  remote::metadata_cache cache{100};
  cache.put(server, "latency_seconds", {prom::metric_type::histogram, "Latency.", "seconds"});
  remote::write_decoder decoder;
  prom::sample_batch ingested;
  std::string body = remote_write_body();
  auto r = decoder.decode(body, server, &cache, {}, ingested);
  CAF_REQUIRE(r.ok);
  std::string payload;
  valkey::encode_remote_write_payload(ingested, body, payload);
  CAF_CHECK_EQUAL(payload.substr(0, 4), "NPW1");
  CAF_CHECK_EQUAL(payload.substr(payload.size() - body.size()), body);

  prom::sample_batch back;
  std::string scratch;
  CAF_REQUIRE_EQUAL(valkey::decode_payload(payload, received, back, scratch), "");
  CAF_CHECK_EQUAL(prom::first_difference(ingested, back), "");
  CAF_REQUIRE_EQUAL(back.families.size(), 3u);
  // Typed by the request's own metadata, and by what the ingest knew.
  CAF_CHECK(back.families[0].type == prom::metric_type::counter);
  CAF_CHECK_EQUAL(back.families[0].help, "Requests served.");
  CAF_CHECK_EQUAL(back.families[1].name, "latency_seconds");
  CAF_CHECK(back.families[1].type == prom::metric_type::histogram);
  CAF_CHECK_EQUAL(back.families[1].unit, "seconds");
  CAF_CHECK_EQUAL(back.families[1].sample_count, 2u);
  CAF_CHECK(!back.families[2].has_type);
  uint64_t bits;
  std::memcpy(&bits, &back.samples[3].value, sizeof bits);
  CAF_CHECK_EQUAL(bits, 0x7ff0000000000002ull);
  CAF_CHECK_EQUAL(back.samples[0].timestamp_ms, received - 15'000);
}

CAF_TEST(a damaged remote write payload gives a named error) {
  remote::write_decoder decoder;
  prom::sample_batch ingested;
  std::string body = remote_write_body();
  CAF_REQUIRE(decoder.decode(body, "s", nullptr, {}, ingested).ok);
  std::string payload;
  valkey::encode_remote_write_payload(ingested, body, payload);
  prom::sample_batch back;
  std::string scratch;
  std::string flags = payload;
  flags[4] = 0x01;
  CAF_CHECK_EQUAL(valkey::decode_payload(flags, received, back, scratch), "unknown flags 1");
  // magic, flags, a metadata count far beyond the bytes left
  std::string forged = payload.substr(0, 5) + "\x80\x80\x80\x80\x80\x80\x80\x80\x40";
  CAF_CHECK_EQUAL(valkey::decode_payload(forged, received, back, scratch), "metadata: bad count");
  std::string cut = payload.substr(0, payload.size() - 10);
  auto err = valkey::decode_payload(cut, received, back, scratch);
  CAF_CHECK_EQUAL(err.substr(0, 20), "corrupt snappy body:");
  CAF_CHECK(back.samples.empty());
  // A body that is snappy but not a WriteRequest.
  std::string not_request =
    std::string{"NPW1\0\0", 6} + remote::snappy_compress(std::string(64, '\xff'));
  CAF_CHECK_EQUAL(valkey::decode_payload(not_request, received, back, scratch),
                  "remote write request: the decompressed body is not a protobuf WriteRequest");
}

#define CAF_SUITE lib.remote.write_request
#include "unit/test_support.hpp"

#include "lib/remote/prometheus_remote.pb.h"
#include "lib/remote/write_request.hpp"

using namespace nodepulse;

namespace {

constexpr const char* server = "3c9f6f0e-1d2b-4c5a-9e8f-7a6b5c4d3e2f";

remote::TimeSeries* add_series(remote::WriteRequest& req,
                               std::initializer_list<std::pair<const char*, const char*>> labels,
                               std::initializer_list<double> values = {1}) {
  auto* ts = req.add_timeseries();
  for (const auto& [n, v] : labels) {
    auto* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  int64_t t = 1'700'000'000'000;
  for (double v : values) {
    auto* s = ts->add_samples();
    s->set_value(v);
    s->set_timestamp(t);
    t += 15'000;
  }
  return ts;
}

struct fixture {
  remote::write_decoder decoder;
  remote::metadata_cache cache{100};
  remote::write_limits limits;
  prom::sample_batch batch;

  remote::write_result decode(const remote::WriteRequest& req) {
    return decoder.decode(remote::snappy_compress(req.SerializeAsString()), server, &cache, limits,
                          batch);
  }

  std::string labels_of(size_t sample) const {
    std::string out;
    for (const auto& l : batch.labels_of(batch.samples[sample].labels))
      out += std::string{l.name} + "=" + std::string{l.value} + ";";
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(write_request_tests, fixture)

CAF_TEST(series become samples with their labels and times) {
  remote::WriteRequest req;
  add_series(req, {{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}}, {1, 0});
  add_series(req, {{"__name__", "load1"}, {"empty", ""}, {"job", "node"}}, {0.5});
  auto r = decode(req);
  CAF_REQUIRE(r.ok);
  CAF_CHECK_EQUAL(r.series, 2u);
  CAF_REQUIRE_EQUAL(batch.samples.size(), 3u);
  CAF_CHECK_EQUAL(batch.samples[0].name, "up");
  CAF_CHECK_EQUAL(labels_of(0), "instance=a:9100;job=node;");
  CAF_CHECK_EQUAL(batch.samples[1].timestamp_ms, 1'700'000'015'000);
  CAF_CHECK_EQUAL(batch.samples[1].value, 0);
  // An empty value is the label's absence, as Prometheus reads it.
  CAF_CHECK_EQUAL(labels_of(2), "job=node;");
  CAF_CHECK_EQUAL(batch.families.size(), 2u);
  CAF_CHECK(batch.families[0].type == prom::metric_type::untyped);
}

CAF_TEST(metadata types the family it names in this and later requests) {
  remote::WriteRequest meta;
  auto* m = meta.add_metadata();
  m->set_metric_family_name("http_duration_seconds");
  m->set_type(remote::MetricMetadata::HISTOGRAM);
  m->set_help("Request latency.");
  m->set_unit("seconds");
  auto r = decode(meta);
  CAF_REQUIRE(r.ok);
  CAF_CHECK_EQUAL(r.metadata, 1u);
  CAF_CHECK(batch.samples.empty());
  remote::WriteRequest req;
  add_series(req, {{"__name__", "http_duration_seconds_bucket"}, {"le", "0.1"}});
  add_series(req, {{"__name__", "http_duration_seconds_sum"}});
  add_series(req, {{"__name__", "http_requests_total"}});
  r = decode(req);
  CAF_REQUIRE(r.ok);
  CAF_REQUIRE_EQUAL(batch.families.size(), 2u);
  CAF_CHECK_EQUAL(batch.families[0].name, "http_duration_seconds");
  CAF_CHECK(batch.families[0].type == prom::metric_type::histogram);
  CAF_CHECK_EQUAL(batch.families[0].help, "Request latency.");
  CAF_CHECK_EQUAL(batch.families[0].unit, "seconds");
  CAF_CHECK_EQUAL(batch.families[0].sample_count, 2u);
  CAF_CHECK_EQUAL(batch.samples[1].name, "http_duration_seconds_sum");
  CAF_CHECK(batch.families[1].type == prom::metric_type::untyped);
}

CAF_TEST(metadata is kept per sender) {
  remote::WriteRequest meta;
  auto* m = meta.add_metadata();
  m->set_metric_family_name("jobs");
  m->set_type(remote::MetricMetadata::GAUGE);
  CAF_REQUIRE(decode(meta).ok);
  remote::WriteRequest req;
  add_series(req, {{"__name__", "jobs"}});
  auto other = decoder.decode(remote::snappy_compress(req.SerializeAsString()),
                              "7e1d2c3b-4a59-4687-9a1b-2c3d4e5f6071", &cache, limits, batch);
  CAF_REQUIRE(other.ok);
  CAF_CHECK(batch.families[0].type == prom::metric_type::untyped);
  CAF_REQUIRE(decode(req).ok);
  CAF_CHECK(batch.families[0].type == prom::metric_type::gauge);
}

CAF_TEST(a full metadata cache keeps what it has and counts what it refused) {
  remote::metadata_cache small{1};
  CAF_CHECK(small.put(server, "a", {}));
  CAF_CHECK(!small.put(server, "b", {}));
  CAF_CHECK(small.put(server, "a", {prom::metric_type::gauge, "", ""}));
  CAF_CHECK_EQUAL(small.size(), 1u);
  CAF_CHECK_EQUAL(small.refused(), 1u);
  CAF_CHECK(small.get(server, "a")->type == prom::metric_type::gauge);
}

CAF_TEST(limits on samples and labels are 413 and 400 naming the limit) {
  limits.limits.max_samples = 3;
  remote::WriteRequest req;
  add_series(req, {{"__name__", "up"}}, {1, 2, 3, 4});
  auto r = decode(req);
  CAF_CHECK(!r.ok);
  CAF_CHECK_EQUAL(r.status, 413);
  CAF_CHECK_EQUAL(r.error, "more than 3 samples in one request (limits.max_samples)");
  CAF_CHECK(batch.samples.empty());
  limits.limits.max_labels_per_sample = 1;
  remote::WriteRequest wide;
  add_series(wide, {{"__name__", "up"}, {"a", "1"}, {"b", "2"}});
  r = decode(wide);
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.error, "series 1 (up): 3 labels, more than the limit of 1");
}

CAF_TEST(a body whose length header is over the limit is not decompressed) {
  limits.max_inflated_bytes = 1000;
  std::string big(5000, 'x');
  auto r = decoder.decode(remote::snappy_compress(big), server, &cache, limits, batch);
  CAF_CHECK_EQUAL(r.status, 413);
  CAF_CHECK_EQUAL(r.error, "body decompresses to 5000 bytes, more than limits.max_inflated_bytes "
                           "(1000 bytes)");
  CAF_CHECK(decoder.plain().empty());
}

CAF_TEST(native histograms and exemplars are counted as dropped) {
  remote::WriteRequest req;
  auto* ts = add_series(req, {{"__name__", "lat"}}, {});
  ts->add_histograms()->set_timestamp(1);
  ts->add_exemplars()->set_value(2);
  auto r = decode(req);
  CAF_REQUIRE(r.ok);
  CAF_CHECK_EQUAL(r.histograms_dropped, 1u);
  CAF_CHECK_EQUAL(r.exemplars_dropped, 1u);
  CAF_CHECK(batch.samples.empty());
}

CAF_TEST_FIXTURE_SCOPE_END()

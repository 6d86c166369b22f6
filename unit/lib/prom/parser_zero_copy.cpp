#define CAF_SUITE lib.prom.parser_zero_copy
#include <caf/test/unit_test.hpp>

#include "runtime/bench/alloc_counter.hpp"
#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::bench::allocation_count;

namespace {

bool inside(std::string_view view, const std::string& buffer) {
  return view.data() >= buffer.data() && view.data() + view.size() <= buffer.data() + buffer.size();
}

std::string many_samples(int n) {
  std::string body = "# HELP m A metric.\n# TYPE m gauge\n";
  for (int i = 0; i < n; ++i)
    body +=
      "m{instance=\"host-" + std::to_string(i) + "\",esc=\"a\\\"b\"} " + std::to_string(i) + "\n";
  body += "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n";
  return body;
}

} // namespace

CAF_TEST(names and plain label values are views into the input) {
  std::string body = "# HELP a Plain help.\na{x=\"plain\"} 1\n";
  sample_batch batch;
  CAF_REQUIRE(parse(body, {}, batch).ok);
  const auto& s = batch.samples.at(0);
  CAF_CHECK(inside(s.name, body));
  CAF_CHECK(inside(batch.labels.at(0).name, body));
  CAF_CHECK(inside(batch.labels.at(0).value, body));
  CAF_CHECK(inside(batch.families.at(0).help, body));
}

CAF_TEST(escaped values live in the batch arena and not in the input) {
  std::string body = "a{x=\"a\\\\b\"} 1\n";
  sample_batch batch;
  CAF_REQUIRE(parse(body, {}, batch).ok);
  CAF_CHECK(!inside(batch.labels.at(0).value, body));
  CAF_CHECK_EQUAL(std::string{batch.labels.at(0).value}, "a\\b");
}

CAF_TEST(re - parsing into a used batch allocates nothing) {
  std::string body = many_samples(5000);
  sample_batch batch;
  CAF_REQUIRE(parse(body, {}, batch).ok); // grows to steady-state capacity
  auto before = allocation_count();
  for (int i = 0; i < 3; ++i) {
    auto res = parse(body, {}, batch);
    CAF_REQUIRE(res.ok);
  }
  CAF_CHECK_EQUAL(allocation_count() - before, 0u);
  CAF_CHECK_EQUAL(batch.samples.size(), 5003u);
}

CAF_TEST(views stay valid while the arena grows) {
  // Far more escaped bytes than one arena block holds.
  std::string body;
  for (int i = 0; i < 3000; ++i)
    body += "a{x=\"" + std::string(100, 'z') + "\\n" + std::to_string(i) + "\"} 1\n";
  sample_batch batch;
  CAF_REQUIRE(parse(body, {}, batch).ok);
  for (int i = 0; i < 3000; ++i) {
    auto v = std::string{batch.labels.at(i).value};
    CAF_REQUIRE_EQUAL(v, std::string(100, 'z') + "\n" + std::to_string(i));
  }
}

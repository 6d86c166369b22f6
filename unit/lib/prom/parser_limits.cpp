#define CAF_SUITE lib.prom.parser_limits
#include <caf/test/unit_test.hpp>

#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::prom::test::parsed;

namespace {

parsed with_limits(std::string body, parse_limits limits, parse_mode mode = parse_mode::strict) {
  parse_options opts;
  opts.limits = limits;
  opts.mode = mode;
  return parsed{std::move(body), opts};
}

} // namespace

CAF_TEST(a line over the length limit) {
  parse_limits l;
  l.max_line_bytes = 16;
  auto ok = with_limits("a{b=\"0123456\"} 1\n", l); // exactly 16 bytes
  CAF_CHECK(ok.result.ok);
  auto p = with_limits("a{b=\"01234567\"} 1\n", l);
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error(), "line 1, column 17: line too long (17 bytes, limit 16)");
}

CAF_TEST(too many labels on one sample) {
  parse_limits l;
  l.max_labels_per_sample = 2;
  CAF_CHECK(with_limits("a{x=\"1\",y=\"2\"} 1\n", l).result.ok);
  auto p = with_limits("a{x=\"1\",y=\"2\",z=\"3\"} 1\n", l);
  CAF_CHECK_EQUAL(p.error(), "line 1, column 15: too many labels (limit 2)");
}

CAF_TEST(a metric or label name over the length limit) {
  parse_limits l;
  l.max_name_bytes = 4;
  CAF_CHECK(with_limits("abcd{wxyz=\"1\"} 1\n", l).result.ok);
  CAF_CHECK_EQUAL(with_limits("abcde 1\n", l).error(),
                  "line 1, column 1: name too long (5 bytes, limit 4)");
  CAF_CHECK_EQUAL(with_limits("a{vwxyz=\"1\"} 1\n", l).error(),
                  "line 1, column 3: name too long (5 bytes, limit 4)");
  CAF_CHECK_EQUAL(with_limits("# TYPE abcde gauge\n", l).error(),
                  "line 1, column 8: name too long (5 bytes, limit 4)");
}

CAF_TEST(a label value over the length limit counts unescaped bytes) {
  parse_limits l;
  l.max_label_value_bytes = 3;
  CAF_CHECK(with_limits("a{x=\"\\\\\\\\\\\\\"} 1\n", l).result.ok); // 3 bytes
  CAF_CHECK_EQUAL(with_limits("a{x=\"abcd\"} 1\n", l).error(),
                  "line 1, column 6: label value too long (4 bytes, limit 3)");
}

CAF_TEST(too many samples in one body) {
  parse_limits l;
  l.max_samples = 2;
  CAF_CHECK(with_limits("a 1\nb 2\n", l).result.ok);
  auto strict = with_limits("a 1\nb 2\nc 3\n", l);
  CAF_CHECK_EQUAL(strict.error(), "line 3, column 1: too many samples (limit 2)");
  auto lenient = with_limits("a 1\nb 2\nc 3\nd 4\n", l, parse_mode::lenient);
  CAF_CHECK(lenient.result.ok);
  CAF_CHECK_EQUAL(lenient.size(), 2u);
  CAF_CHECK_EQUAL(lenient.result.dropped_samples, 2u);
}

CAF_TEST(too many families whether announced by metadata or by samples) {
  parse_limits l;
  l.max_families = 2;
  CAF_CHECK(with_limits("# TYPE a gauge\na 1\nb 2\n", l).result.ok);
  CAF_CHECK_EQUAL(with_limits("# TYPE a gauge\n# HELP b x\n# TYPE c gauge\n", l).error(),
                  "line 3, column 8: too many metric families (limit 2)");
  CAF_CHECK_EQUAL(with_limits("a 1\nb 2\nc 3\n", l).error(),
                  "line 3, column 1: too many metric families (limit 2)");
  // Samples of a family already known cost no family.
  CAF_CHECK(with_limits("a 1\nb 2\na{x=\"1\"} 3\n", l).result.ok);
}

CAF_TEST(NUL bytes cannot be stored and are refused where they are) {
  std::string value = std::string{"a{x=\"ab"} + '\0' + "c\"} 1\n";
  CAF_CHECK_EQUAL(with_limits(value, {}).error(),
                  "line 1, column 8: label value holds a NUL byte, which cannot be stored");
  // Past the 16-byte fast scan too.
  std::string late = "a{x=\"" + std::string(40, 'v') + '\0' + "\"} 1\n";
  CAF_CHECK_EQUAL(with_limits(late, {}).error(),
                  "line 1, column 46: label value holds a NUL byte, which cannot be stored");
  std::string help = std::string{"# HELP a some"} + '\0' + "thing\na 1\n";
  CAF_CHECK_EQUAL(with_limits(help, {}).error(),
                  "line 1, column 14: help text holds a NUL byte, which cannot be stored");
}

CAF_TEST(zero means unlimited) {
  parse_limits l;
  l.max_line_bytes = 0;
  l.max_label_value_bytes = 0;
  std::string big(200000, 'v');
  CAF_CHECK(with_limits("a{x=\"" + big + "\"} 1\n", l).result.ok);
}

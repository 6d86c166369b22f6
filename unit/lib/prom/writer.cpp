#define CAF_SUITE lib.prom.writer
#include <caf/test/unit_test.hpp>

#include "lib/prom/batch_diff.hpp"
#include "lib/prom/writer.hpp"
#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::prom::test::parsed;

namespace {

std::string written(const parsed& p) {
  std::string out;
  write_text(p.batch, out);
  return out;
}

// Parses `body`, writes it, parses the text again: both batches must match,
// and writing the second gives the same text (a fixed point).
void check_round_trip(const std::string& body) {
  parsed first{body};
  CAF_REQUIRE(first.result.ok);
  std::string text = written(first);
  parsed second{text};
  if (!second.result.ok)
    CAF_FAIL("written text does not parse: " << second.error() << "\n" << text);
  CAF_CHECK_EQUAL(first_difference(first.batch, second.batch), "");
  CAF_CHECK_EQUAL(written(second), text);
}

} // namespace

CAF_TEST(plain families round trip exactly) {
  check_round_trip("# HELP node_cpu_seconds_total Seconds the CPUs spent.\n"
                   "# TYPE node_cpu_seconds_total counter\n"
                   "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 123456.78\n"
                   "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 0.1\n"
                   "# TYPE up gauge\nup 1 1700000000000\n"
                   "untyped_thing{a=\"b\",} -3e-7\n");
}

CAF_TEST(escapes in labels and help round trip exactly) {
  check_round_trip("# HELP a line one\\nline two \\\\ end\n"
                   "a{x=\"q\\\"uote\",y=\"back\\\\slash\",z=\"new\\nline\"} 1\n"
                   "b{u=\"ünï 路径\"} 2\n");
}

CAF_TEST(a help text ending in a carriage return round trips exactly) {
  check_round_trip("# HELP a ends in CR\r\r\na 1\n");
  parsed p{"# HELP a ends in CR\r\r\n"};
  CAF_CHECK_EQUAL(p.batch.families.at(0).help, std::string_view{"ends in CR\r"});
}

CAF_TEST(special values and extreme numbers round trip exactly) {
  check_round_trip("a NaN\nb +Inf\nc -Inf\nd 0.1\ne 1e-300\nf "
                   "1.7976931348623157e+308\ng -0\nh 4.9e-324\n"
                   "i 123456789012345678 -9223372036854775808\n");
}

CAF_TEST(histograms and summaries round trip exactly) {
  check_round_trip("# HELP h Latency.\n# TYPE h histogram\n"
                   "h_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                   "h_sum 0.7\nh_count 2\n"
                   "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 3\ns_count 4\n");
}

CAF_TEST(a changed value label or help is a difference) {
  parsed a{"# HELP x one\nx{l=\"1\"} 1\n"};
  CAF_CHECK_EQUAL(first_difference(a.batch, a.batch), "");
  CAF_CHECK_EQUAL(first_difference(a.batch, parsed{"# HELP x one\nx{l=\"1\"} 2\n"}.batch),
                  "family x, sample 0: value");
  CAF_CHECK_EQUAL(first_difference(a.batch, parsed{"# HELP x one\nx{l=\"2\"} 1\n"}.batch),
                  "family x, sample 0: label l");
  CAF_CHECK_EQUAL(first_difference(a.batch, parsed{"# HELP x two\nx{l=\"1\"} 1\n"}.batch),
                  "family x, help");
  CAF_CHECK_EQUAL(first_difference(parsed{"x -0\n"}.batch, parsed{"x 0\n"}.batch),
                  "family x, sample 0: value");
  CAF_CHECK_EQUAL(first_difference(parsed{"# TYPE x gauge\nx 1\n"}.batch, parsed{"x 1\n"}.batch),
                  "family x, type");
}

CAF_TEST(interleaved samples are written grouped by family) {
  parsed p{"# TYPE a counter\na{x=\"1\"} 1\nb 2\na{x=\"2\"} 3\n"};
  CAF_CHECK_EQUAL(written(p), "# TYPE a counter\na{x=\"1\"} 1\na{x=\"2\"} 3\n"
                              "b 2\n");
  check_round_trip(p.body);
}

CAF_TEST(metadata - only families are written) {
  check_round_trip("# HELP lonely no samples\n# TYPE lonely gauge\nx 1\n");
  parsed p{"# HELP lonely no samples\n"};
  CAF_CHECK_EQUAL(written(p), "# HELP lonely no samples\n");
}

CAF_TEST(openmetrics families are mapped to text format) {
  auto om =
    parsed::openmetrics("# TYPE c counter\n# HELP c Things.\nc_total 3\nc_created 17\n"
                        "# TYPE i info\ni_info{v=\"1\"} 1\n"
                        "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gsum 1\ng_gcount 1\n"
                        "# EOF\n");
  CAF_REQUIRE(om.result.ok);
  std::string text = written(om);
  CAF_CHECK_EQUAL(text, "# HELP c_total Things.\n# TYPE c_total counter\n"
                        "c_total 3\nc_created 17\n"
                        "# TYPE i_info gauge\ni_info{v=\"1\"} 1\n"
                        "# TYPE g untyped\ng_bucket{le=\"+Inf\"} 1\n"
                        "g_gsum 1\ng_gcount 1\n");
  parsed back{text};
  CAF_REQUIRE(back.result.ok);
  CAF_CHECK_EQUAL(back.size(), om.size());
  CAF_CHECK_EQUAL(back.type(0), "counter");
  CAF_CHECK_EQUAL(back.type(1), "untyped");
}

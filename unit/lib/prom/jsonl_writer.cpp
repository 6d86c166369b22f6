#define CAF_SUITE lib.prom.jsonl_writer
#include <caf/test/unit_test.hpp>

#include "lib/prom/jsonl_writer.hpp"
#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::prom::test::parsed;

namespace {

std::string jsonl(const parsed& p) {
  std::string out;
  for (const auto& s : p.batch.samples)
    append_jsonl_sample(p.batch, s, out);
  return out;
}

} // namespace

CAF_TEST(a sample becomes the JSON object of the contract) {
  parsed p{"# TYPE node_cpu_seconds_total counter\n"
           "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 1.5\n"};
  CAF_CHECK_EQUAL(jsonl(p), "{\"name\":\"node_cpu_seconds_total\",\"type\":\"counter\","
                            "\"labels\":{\"cpu\":\"0\",\"mode\":\"idle\"},\"value\":1.5,"
                            "\"timestamp_ms\":null}\n");
}

CAF_TEST(the name is the full sample name and the type that of its family) {
  parsed p{"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2 1700000000000\n"
           "plain 3\n"};
  CAF_CHECK_EQUAL(jsonl(p), "{\"name\":\"h_bucket\",\"type\":\"histogram\",\"labels\":"
                            "{\"le\":\"+Inf\"},\"value\":2,\"timestamp_ms\":1700000000000}\n"
                            "{\"name\":\"plain\",\"type\":\"untyped\",\"labels\":{},"
                            "\"value\":3,\"timestamp_ms\":null}\n");
}

CAF_TEST(NaN and infinities are strings) {
  parsed p{"a NaN\nb +Inf\nc -Inf\n"};
  std::string out = jsonl(p);
  CAF_CHECK(out.find("\"value\":\"NaN\"") != std::string::npos);
  CAF_CHECK(out.find("\"value\":\"+Inf\"") != std::string::npos);
  CAF_CHECK(out.find("\"value\":\"-Inf\"") != std::string::npos);
}

CAF_TEST(label values are escaped for JSON) {
  parsed p{"a{x=\"q\\\"b\\\\n\\n\",y=\"\xc3\xa9\"} 1e+21\n"};
  CAF_CHECK_EQUAL(jsonl(p), "{\"name\":\"a\",\"type\":\"untyped\",\"labels\":"
                            "{\"x\":\"q\\\"b\\\\n\\n\",\"y\":\"\xc3\xa9\"},"
                            "\"value\":1e+21,\"timestamp_ms\":null}\n");
}

CAF_TEST(control characters are escaped as unicode) {
  std::string out;
  append_json_string(std::string_view{"a\x01\tb", 4}, out);
  CAF_CHECK_EQUAL(out, "\"a\\u0001\\tb\"");
}

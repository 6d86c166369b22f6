#define CAF_SUITE lib.prom.parser_errors
#include <caf/test/unit_test.hpp>

#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::prom::test::parsed;

// Each malformed line is reported with its line, its column (1-based bytes)
// and a reason a person can act on.
namespace {

std::string error_of(std::string body) {
  parsed p{std::move(body)};
  if (p.result.ok)
    return "<accepted>";
  return p.error();
}

} // namespace

CAF_TEST(a line that does not start with a metric name) {
  CAF_CHECK_EQUAL(error_of("ok 1\n9lives 1\n"),
                  "line 2, column 1: expected a metric name, got '9'");
  CAF_CHECK_EQUAL(error_of("{a=\"1\"} 1\n"), "line 1, column 1: expected a metric name, got '{'");
}

CAF_TEST(an invalid character inside a metric name) {
  CAF_CHECK_EQUAL(error_of("node-cpu 1\n"),
                  "line 1, column 5: invalid character '-' in metric name");
}

CAF_TEST(a missing value) {
  CAF_CHECK_EQUAL(error_of("a\n"), "line 1, column 2: expected a sample value, got end of line");
  CAF_CHECK_EQUAL(error_of("a{b=\"c\"}\n"),
                  "line 1, column 9: expected a sample value, got end of line");
}

CAF_TEST(a value that is not a number) {
  CAF_CHECK_EQUAL(error_of("a 12x\n"), "line 1, column 3: invalid sample value '12x'");
}

CAF_TEST(a timestamp that is not an integer) {
  CAF_CHECK_EQUAL(error_of("a 1 1.5\n"), "line 1, column 5: invalid timestamp '1.5' (text format "
                                         "wants integer milliseconds)");
}

CAF_TEST(text after the timestamp) {
  CAF_CHECK_EQUAL(error_of("a 1 2 3\n"), "line 1, column 7: unexpected text after the sample: '3'");
}

CAF_TEST(an exemplar is not text format) {
  CAF_CHECK_EQUAL(error_of("a_total 1 # {x=\"y\"} 1\n"),
                  "line 1, column 11: unexpected text after the sample: "
                  "'# {x=\"y\"} 1'");
}

CAF_TEST(a label set that is never closed) {
  CAF_CHECK_EQUAL(error_of("a{b=\"c\" 1\n"),
                  "line 1, column 9: expected ',' or '}' after label 'b', "
                  "got '1'");
  CAF_CHECK_EQUAL(error_of("a{b=\"c\",\n"),
                  "line 1, column 9: unterminated label set, '{' at column 2 "
                  "is never closed");
}

CAF_TEST(a label value that is never closed) {
  CAF_CHECK_EQUAL(error_of("a{b=\"c} 1\n"),
                  "line 1, column 5: unterminated label value, the quote is "
                  "never closed");
}

CAF_TEST(a label without equals sign or quotes) {
  CAF_CHECK_EQUAL(error_of("a{b} 1\n"),
                  "line 1, column 4: expected '=' after label name 'b', got '}'");
  CAF_CHECK_EQUAL(error_of("a{b=c} 1\n"),
                  "line 1, column 5: expected '\"' to open the value of label "
                  "'b', got 'c'");
}

CAF_TEST(an invalid label name) {
  CAF_CHECK_EQUAL(error_of("a{1b=\"c\"} 1\n"),
                  "line 1, column 3: expected a label name or '}', got '1'");
  CAF_CHECK_EQUAL(error_of("a{,} 1\n"), "line 1, column 3: expected a label name or '}', got ','");
  CAF_CHECK_EQUAL(error_of("a{b:c=\"d\"} 1\n"),
                  "line 1, column 4: expected '=' after label name 'b', got ':'");
}

CAF_TEST(a duplicate label name) {
  CAF_CHECK_EQUAL(error_of("a{b=\"1\",c=\"2\",b=\"3\"} 1\n"),
                  "line 1, column 15: duplicate label name 'b'");
}

CAF_TEST(a control byte is named by its code) {
  CAF_CHECK_EQUAL(error_of("a \x01\n"), "line 1, column 3: invalid sample value '\x01'");
  CAF_CHECK_EQUAL(error_of("\x7f 1\n"), "line 1, column 1: expected a metric name, got byte 0x7f");
}

CAF_TEST(the line number counts every line including comments) {
  parsed p{"# HELP a x\n# TYPE a gauge\n\na 1\na 2\na{ 3\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error_line(), 6u);
}

CAF_TEST(strict mode reports exactly the first error) {
  parsed p{"a x\nb y\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.result.errors.size(), 1u);
  CAF_CHECK_EQUAL(p.error_line(), 1u);
}

CAF_TEST(a metadata line without a valid metric name) {
  CAF_CHECK_EQUAL(error_of("# TYPE 9x counter\n"),
                  "line 1, column 8: expected a metric name after # TYPE, got '9'");
  CAF_CHECK_EQUAL(error_of("# HELP a-b text\n"),
                  "line 1, column 9: invalid character '-' in metric name");
}

CAF_TEST(a TYPE line without a type or with extra words) {
  CAF_CHECK_EQUAL(error_of("# TYPE a \n"), "line 1, column 10: missing metric type");
  CAF_CHECK_EQUAL(error_of("# TYPE a gauge extra\n"),
                  "line 1, column 16: unexpected text after # TYPE a gauge");
}

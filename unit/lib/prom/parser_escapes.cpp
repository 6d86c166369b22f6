#define CAF_SUITE lib.prom.parser_escapes
#include <caf/test/unit_test.hpp>

#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::prom::test::parsed;

CAF_TEST(a backslash escape in a label value becomes one backslash) {
  parsed p{R"(a{path="C:\\dir"} 1)"
           "\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.label(0, "path"), "C:\\dir");
}

CAF_TEST(a quote escape in a label value becomes a quote) {
  parsed p{R"(a{msg="say \"hi\""} 1)"
           "\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.label(0, "msg"), "say \"hi\"");
}

CAF_TEST(a newline escape in a label value becomes a newline) {
  parsed p{R"(a{msg="one\ntwo"} 1)"
           "\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.label(0, "msg"), "one\ntwo");
}

CAF_TEST(escapes combine and a label value may end in an escaped backslash) {
  parsed p{R"(a{x="\\\"\n\\",y="tail\\"} 1)"
           "\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.label(0, "x"), "\\\"\n\\");
  CAF_CHECK_EQUAL(p.label(0, "y"), "tail\\");
}

CAF_TEST(a label value may contain braces commas and equals signs) {
  parsed p{R"(a{x="{a=1,b=2}",y="#"} 1)"
           "\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.label(0, "x"), "{a=1,b=2}");
  CAF_CHECK_EQUAL(p.label(0, "y"), "#");
}

CAF_TEST(an unknown escape in a label value is an error at the backslash) {
  parsed p{R"(a{x="bad\t"} 1)"
           "\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error_line(), 1u);
  CAF_CHECK_EQUAL(p.error_column(), 9u);
  CAF_CHECK(p.error_mentions("invalid escape sequence '\\t'"));
}

CAF_TEST(help text unescapes backslash and newline) {
  parsed p{"# HELP a first\\nsecond \\\\ back\na 1\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.help(0), "first\nsecond \\ back");
}

CAF_TEST(other backslashes and quotes in text format help are kept) {
  parsed p{"# HELP a keeps \\t and \\\" as written\na 1\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.help(0), "keeps \\t and \\\" as written");
}

CAF_TEST(openmetrics help also unescapes quotes) {
  auto p = parsed::openmetrics("# HELP a say \\\"hi\\\"\\n\na 1\n# EOF\n");
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.help(0), "say \"hi\"\n");
}

CAF_TEST(invalid UTF - 8 in a label value or help is an error) {
  parsed bad_value{"a{x=\"\xff\xfe\"} 1\n"};
  CAF_CHECK(!bad_value.result.ok);
  CAF_CHECK(bad_value.error_mentions("not valid UTF-8"));
  CAF_CHECK_EQUAL(bad_value.error_column(), 6u);
  parsed overlong{"a{x=\"\xc0\xaf\"} 1\n"};
  CAF_CHECK(!overlong.result.ok);
  parsed surrogate{"a{x=\"\xed\xa0\x80\"} 1\n"};
  CAF_CHECK(!surrogate.result.ok);
  parsed bad_help{"# HELP a \xe2\x82\n"};
  CAF_CHECK(!bad_help.result.ok);
  CAF_CHECK(bad_help.error_mentions("help text is not valid UTF-8"));
}

CAF_TEST(UTF - 8 is checked past long ASCII runs and across 8 - byte steps) {
  std::string ascii(37, 'a');
  parsed ok{"# HELP m " + ascii + "\xc3\xa9" + ascii + "\xe8\xb7\xaf\xf0\x9f\x98\x80" + "\nm{v=\""
            + ascii + "\xe8\xb7\xaf" + ascii + "\"} 1\n"};
  CAF_CHECK(ok.result.ok);
  CAF_CHECK_EQUAL(ok.help(0), ascii + "\xc3\xa9" + ascii + "\xe8\xb7\xaf\xf0\x9f\x98\x80");
  parsed bad_help{"# HELP m " + ascii + "\xe8\xb7" + ascii + "\n"};
  CAF_CHECK(!bad_help.result.ok);
  CAF_CHECK(bad_help.error_mentions("help text is not valid UTF-8"));
  parsed bad_value{"m{v=\"" + ascii + "\xff\"} 1\n"};
  CAF_CHECK(!bad_value.result.ok);
  CAF_CHECK(bad_value.error_mentions("label value is not valid UTF-8"));
  parsed truncated{"m{v=\"" + ascii + "\xf0\x9f\x98\"} 1\n"};
  CAF_CHECK(!truncated.result.ok);
}

#define CAF_SUITE lib.http.agent_drops
#include <caf/test/unit_test.hpp>

#include "lib/http/agent_drops.hpp"

using namespace nodepulse;

CAF_TEST(what is formatted parses back to the same figures) {
  http::agent_drops d{1200, 1, 37, 2, 3, 4};
  auto text = http::format_agent_drops(d);
  CAF_CHECK_EQUAL(text, "through=1200,retention=1,size=37,torn=2,corrupt=3,refused=4");
  http::agent_drops back;
  std::string error;
  CAF_REQUIRE(http::parse_agent_drops(text, back, error));
  CAF_CHECK_EQUAL(http::format_agent_drops(back), text);
}

CAF_TEST(spaces and any order and missing or unknown names are accepted) {
  http::agent_drops d;
  std::string error;
  CAF_REQUIRE(http::parse_agent_drops(" size = 5 ,\tthrough=9, later=1", d, error));
  CAF_CHECK_EQUAL(d.size, 5u);
  CAF_CHECK_EQUAL(d.through, 9u);
  CAF_CHECK_EQUAL(d.retention, 0u);
  CAF_CHECK_EQUAL(d.refused, 0u);
}

CAF_TEST(anything else names what and where) {
  http::agent_drops d;
  std::string error;
  CAF_CHECK(!http::parse_agent_drops("", d, error));
  CAF_CHECK_EQUAL(error, "expected name=number at character 1");
  CAF_CHECK(!http::parse_agent_drops("through=1,=2", d, error));
  CAF_CHECK_EQUAL(error, "expected name=number at character 11");
  CAF_CHECK(!http::parse_agent_drops("through=1,size=2x", d, error));
  CAF_CHECK_EQUAL(error, "the value of size at character 11 is not a number from 0 to "
                         "18446744073709551615");
  CAF_CHECK(!http::parse_agent_drops("size=18446744073709551616", d, error));
  CAF_CHECK(!http::parse_agent_drops("size=-1", d, error));
  CAF_CHECK(!http::parse_agent_drops("size=1,", d, error)); // an empty pair
}

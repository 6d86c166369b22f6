#define CAF_SUITE lib.text.redact
#include <caf/test/unit_test.hpp>

#include "lib/text/redact.hpp"

using nodepulse::text::redact_url;

CAF_TEST(passwords in the user info are hidden and the rest shown) {
  CAF_CHECK_EQUAL(redact_url("redis://:s3cret@valkey:6379"), "redis://:***@valkey:6379");
  CAF_CHECK_EQUAL(redact_url("redis://np:s3cret@valkey:6379/0"), "redis://np:***@valkey:6379/0");
  CAF_CHECK_EQUAL(redact_url("https://agent:p@ss:w@rd@ingest/metrics"),
                  "https://agent:***@ingest/metrics");
  CAF_CHECK_EQUAL(redact_url("https://user@ingest/x"), "https://user@ingest/x");
  CAF_CHECK_EQUAL(redact_url("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  CAF_CHECK_EQUAL(redact_url("unix:///run/valkey.sock"), "unix:///run/valkey.sock");
}

CAF_TEST(query parameters that name a secret are hidden) {
  CAF_CHECK_EQUAL(redact_url("https://ingest/metrics/prometheus?server_id=abc&token=t0k"),
                  "https://ingest/metrics/prometheus?server_id=abc&token=***");
  CAF_CHECK_EQUAL(redact_url("http://e:9100/metrics?Password=x&module=y#f"),
                  "http://e:9100/metrics?Password=***&module=y#f");
  CAF_CHECK_EQUAL(redact_url("http://e/metrics?@=1"), "http://e/metrics?@=1");
  // Names with an underscore too (OR-ing 0x20 per byte missed them).
  CAF_CHECK_EQUAL(redact_url("https://i/x?ACCESS_TOKEN=abc&api_key=d"),
                  "https://i/x?ACCESS_TOKEN=***&api_key=***");
}

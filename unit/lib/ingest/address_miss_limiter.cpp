#define CAF_SUITE lib.ingest.address_miss_limiter
#include <caf/test/unit_test.hpp>

#include "lib/ingest/address_miss_limiter.hpp"

using nodepulse::ingest::address_miss_limiter;

CAF_TEST(misses drain the bucket of an address and time refills it) {
  address_miss_limiter limiter{2, 3, 100};
  for (int i = 0; i < 3; ++i) {
    CAF_CHECK(limiter.allows("a", 0));
    limiter.missed("a", 0);
  }
  CAF_CHECK(!limiter.allows("a", 0));
  CAF_CHECK(limiter.allows("b", 0));    // addresses are apart
  CAF_CHECK(!limiter.allows("a", 400)); // 0.8 of a lookup
  CAF_CHECK(limiter.allows("a", 500));  // 2 per second
  limiter.missed("a", 500);
  CAF_CHECK(!limiter.allows("a", 500));
  CAF_CHECK(limiter.allows("a", 10'000)); // never more than the burst saved
  for (int i = 0; i < 3; ++i)
    limiter.missed("a", 10'000);
  CAF_CHECK(!limiter.allows("a", 10'000));
}

CAF_TEST(the table is bounded and forgets idle addresses first) {
  address_miss_limiter limiter{1, 2, 2};
  limiter.missed("a", 0);
  limiter.missed("b", 0);
  CAF_CHECK_EQUAL(limiter.addresses(), 2u);
  // Full, and nobody idle: a new address may not look up yet.
  CAF_CHECK(!limiter.allows("c", 0));
  limiter.missed("c", 0);
  CAF_CHECK_EQUAL(limiter.addresses(), 2u);
  // A second later both are back to a full bucket: forgotten, room again.
  CAF_CHECK(limiter.allows("c", 1'000));
  CAF_CHECK_EQUAL(limiter.addresses(), 0u);
}

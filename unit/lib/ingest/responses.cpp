#define CAF_SUITE lib.ingest.responses
#include <caf/test/unit_test.hpp>

#include "lib/ingest/responses.hpp"

using namespace nodepulse::ingest;

CAF_TEST(success is exactly the contract body) {
  auto r = success_response(4);
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.body, R"({"status":"success","metrics_received":4})");
}

CAF_TEST(rejected samples are reported with the first reason and line) {
  auto r = success_response(3, 1, "sample 'b' at line 2 is 3600 s ahead", 2);
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.body, R"({"status":"success","metrics_received":3,"rejected":1,)"
                          R"("reason":"sample 'b' at line 2 is 3600 s ahead","line":2})");
}

CAF_TEST(errors carry their status and an escaped message) {
  auto r = error_response(413, "inflated body exceeds 67108864 bytes");
  CAF_CHECK_EQUAL(r.status, 413);
  CAF_CHECK_EQUAL(r.body, R"({"status":"error","error":"inflated body exceeds 67108864 bytes"})");
  auto q = error_response(400, "server_id 'a\"b\\c' is not a UUID");
  CAF_CHECK_EQUAL(q.body, R"({"status":"error","error":"server_id 'a\"b\\c' is not a UUID"})");
}

CAF_TEST(parse errors add line and column) {
  auto r = parse_error_response(2, 11, "expected ',' or '}' after label 'x', got '2'");
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.body,
                  R"({"status":"error","error":"expected ',' or '}' after label 'x', got '2'",)"
                  R"("line":2,"column":11})");
}

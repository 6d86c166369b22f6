#define CAF_SUITE lib.ingest.agent_auth
#include <caf/test/unit_test.hpp>

#include "lib/ingest/agent_auth.hpp"

#include <cctype>

#include <string>

using namespace nodepulse::ingest;

namespace {

constexpr const char* web1 = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";
constexpr const char* web2 = "7d1f0a52-9e2b-4c1a-8f3e-2b5c9d0e4a77";

token_registry registry() {
  token_registry r;
  std::string file = "# server id, SHA-256 of its token\n\n" + std::string{web1} + " "
                     + hash_token("secret-one") + "\n" + web2 + "\t" + hash_token("secret-two")
                     + "  \r\n";
  auto err = r.load(file);
  if (!err.empty())
    CAF_FAIL("tokens file rejected: " << err);
  return r;
}

auth_decision token_auth(std::string_view header, std::string_view query) {
  static const token_registry r = registry();
  return authorize(true, header, query, [&](std::string_view token) { return r.server_of(token); });
}

auth_decision open_auth(std::string_view query) {
  return authorize(false, "", query, [](std::string_view) { return std::optional<std::string>{}; });
}

} // namespace

CAF_TEST(server ids must be UUIDs) {
  CAF_CHECK(valid_uuid(web1));
  CAF_CHECK(valid_uuid("0B6C1A0E-3F43-4D8E-9A51-6F0C2D6B7E11"));
  CAF_CHECK(!valid_uuid("0b6c1a0e3f434d8e9a516f0c2d6b7e11"));
  CAF_CHECK(!valid_uuid("0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e1"));
  CAF_CHECK(!valid_uuid("0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e1g"));
  CAF_CHECK(!valid_uuid(""));
}

CAF_TEST(tokens hash to the SHA - 256 operators compute with sha256sum) {
  // printf %s abc | sha256sum
  CAF_CHECK_EQUAL(hash_token("abc"),
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CAF_CHECK_EQUAL(hash_token("").size(), 64u);
}

CAF_TEST(without auth the query names the server) {
  auto ok = open_auth(web1);
  CAF_CHECK_EQUAL(ok.status, 200);
  CAF_CHECK_EQUAL(ok.server_id, web1);
  CAF_CHECK_EQUAL(open_auth("").status, 400);
  CAF_CHECK_EQUAL(open_auth("").error, "missing server_id query parameter");
  auto bad = open_auth("web-1");
  CAF_CHECK_EQUAL(bad.status, 400);
  CAF_CHECK_EQUAL(bad.error, "server_id 'web-1' is not a UUID");
}

CAF_TEST(a token names its server and may push only as that server) {
  auto own = token_auth("Bearer secret-one", "");
  CAF_CHECK_EQUAL(own.status, 200);
  CAF_CHECK_EQUAL(own.server_id, web1);
  auto same = token_auth("bearer  secret-two ", web2);
  CAF_CHECK_EQUAL(same.status, 200);
  CAF_CHECK_EQUAL(same.server_id, web2);
  auto other = token_auth("Bearer secret-one", web2);
  CAF_CHECK_EQUAL(other.status, 403);
  CAF_CHECK_EQUAL(other.error, std::string{"this token may push only as server "} + web1);
  CAF_CHECK_EQUAL(token_auth("Bearer secret-one", "nope").status, 400);
  // A UUID in capitals is the same server.
  std::string upper{web2};
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto shouted = token_auth("Bearer secret-two", upper);
  CAF_CHECK_EQUAL(shouted.status, 200);
  CAF_CHECK_EQUAL(shouted.server_id, web2);
  CAF_CHECK_EQUAL(open_auth(upper).server_id, web2);
}

CAF_TEST(missing malformed and unknown tokens are 401) {
  auto none = token_auth("", web1);
  CAF_CHECK_EQUAL(none.status, 401);
  CAF_CHECK_EQUAL(none.error, "missing Authorization: Bearer token");
  CAF_CHECK_EQUAL(token_auth("Basic dXNlcjpwYXNz", web1).status, 401);
  CAF_CHECK_EQUAL(token_auth("Bearer", web1).status, 401);
  CAF_CHECK_EQUAL(token_auth("Bearer two words", web1).status, 401);
  auto unknown = token_auth("Bearer guess", web1);
  CAF_CHECK_EQUAL(unknown.status, 401);
  CAF_CHECK_EQUAL(unknown.error, "unknown or revoked token");
}

CAF_TEST(a bad tokens file names the line) {
  token_registry r;
  CAF_CHECK_EQUAL(r.load("# ok\nweb-1 " + hash_token("x") + "\n"),
                  "line 2: 'web-1' is not a server id (a UUID)");
  CAF_CHECK_EQUAL(r.load(std::string{web1} + " secret-in-clear\n"),
                  "line 1: expected the token's SHA-256 as 64 hex digits after the server id");
  std::string twice =
    std::string{web1} + " " + hash_token("x") + "\n" + web2 + " " + hash_token("x") + "\n";
  CAF_CHECK_EQUAL(r.load(twice), "line 2: the same token hash is listed twice");
  // A file that fails to load leaves the previous tokens in force.
  CAF_CHECK_EQUAL(r.size(), 0u);
  CAF_CHECK_EQUAL(registry().size(), 2u);
}

CAF_TEST(the cache answers until its entries expire and stays bounded) {
  token_cache cache{60000, 2};
  auto h1 = hash_token("a"), h2 = hash_token("b"), h3 = hash_token("c");
  CAF_CHECK(!cache.find(h1, 0));
  cache.put(h1, std::string{web1}, 1000);
  cache.put(h2, std::nullopt, 1000); // "no such token" is remembered too
  auto known = cache.find(h1, 60999);
  CAF_REQUIRE(known);
  CAF_CHECK_EQUAL(known->value_or("<none>"), web1);
  auto unknown = cache.find(h2, 2000);
  CAF_REQUIRE(unknown);
  CAF_CHECK(!unknown->has_value());
  CAF_CHECK(!cache.find(h1, 61000));      // expired: ask the database again
  cache.put(h3, std::string{web2}, 5000); // full: starts over
  CAF_CHECK_EQUAL(cache.size(), 1u);
  CAF_CHECK(cache.find(h3, 5000));
}

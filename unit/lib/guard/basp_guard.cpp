#define CAF_SUITE lib.guard.basp_guard
#include <caf/test/unit_test.hpp>

#include "lib/guard/basp_guard.hpp"

#include <array>

using nodepulse::guard::basp_header_problem;

namespace {

constexpr uint64_t gateway = 42;

std::array<unsigned char, 32> header(unsigned char op, unsigned char flags, uint32_t payload,
                                     uint64_t dest) {
  std::array<unsigned char, 32> h{};
  h[0] = op;
  h[3] = flags;
  for (int i = 0; i < 4; ++i)
    h[4 + i] = static_cast<unsigned char>(payload >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i)
    h[24 + i] = static_cast<unsigned char>(dest >> (56 - 8 * i));
  return h;
}

std::string problem(std::array<unsigned char, 32> h, bool first = false) {
  return basp_header_problem(h.data(), first, gateway, 1 << 20);
}

} // namespace

CAF_TEST(a peer starts with its handshake and may repeat it) {
  CAF_CHECK_EQUAL(problem(header(1, 0, 120, 0), true), "");
  CAF_CHECK_EQUAL(problem(header(1, 0, 120, 0)), "");
  CAF_CHECK_EQUAL(problem(header(2, 0, 10, gateway), true), "no handshake first (operation 2)");
  CAF_CHECK_EQUAL(problem(header(0, 0, 10, 0), true), "no handshake first (operation 0)");
}

CAF_TEST(messages go to the gateway by id and nowhere else) {
  CAF_CHECK_EQUAL(problem(header(2, 0, 1000, gateway)), "");
  CAF_CHECK_EQUAL(problem(header(2, 0, 1000, 7)), "a message to actor 7, not the gateway");
  CAF_CHECK_EQUAL(problem(header(2, 1, 1000, 0)),
                  "a message to a named actor (CAF's built-in ones are not for peers)");
  CAF_CHECK_EQUAL(problem(header(3, 0, 10, gateway)), "a message to be routed through this node");
  CAF_CHECK_EQUAL(problem(header(0, 0, 10, 0)), "operation 0");
  CAF_CHECK_EQUAL(problem(header(9, 0, 0, 0)), "operation 9");
  for (unsigned char op : {4, 5, 6})
    CAF_CHECK_EQUAL(problem(header(op, 0, 64, 0)), "");
}

CAF_TEST(no payload over the limit whatever the operation) {
  CAF_CHECK_EQUAL(problem(header(2, 0, 1 << 20, gateway)), "");
  CAF_CHECK_EQUAL(problem(header(2, 0, (1 << 20) + 1, gateway)),
                  "a message of 1048577 bytes (at most 1048576)");
  CAF_CHECK_EQUAL(problem(header(1, 0, 0xFFFFFFFFu, 0), true),
                  "a message of 4294967295 bytes (at most 1048576)");
}

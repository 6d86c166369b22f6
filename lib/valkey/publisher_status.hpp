// What the ingest's stream publisher reports about the Valkey stream (its
// actor answers status with it; /readyz and /metrics read it).
#pragma once

#include <cstdint>
#include <string>

namespace nodepulse {

// How the stream looks from the publisher, for /readyz and /metrics.
struct publisher_status {
  bool reachable = false;
  int64_t backlog = -1; // stream length; -1 when unknown
  uint64_t published = 0;
  uint64_t duplicates = 0;
  uint64_t refused_backlog = 0;
  uint64_t unavailable = 0;
  uint64_t refused_not_durable = 0;
  std::string error; // why it is not reachable
  // Whether Valkey keeps an acknowledged push through a crash; when not,
  // why, and whether pushes are refused for it (no valkey.allow_data_loss).
  bool durable = false;
  bool refusing = false;
  std::string durability_problem;
};

} // namespace nodepulse

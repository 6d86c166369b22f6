// The DIGEST SUPERVISOR: starts `writers` DB writers (each its own consumer
// and PostgreSQL connection: PostgreSQL takes one COPY per connection on one
// core, so two writers take about twice the rows), restarts a dead one
// after a backoff (lib/base/restart_backoff.hpp), and serves the
// digest's status endpoint on status.listen:
//
//   GET /healthz  200 while the node runs;
//   GET /readyz   200 when every writer reaches both Valkey and PostgreSQL,
//                 else 503 naming what is unreachable or restarting;
//   GET /metrics  the writers' self-metrics summed, plus restarts, the
//                 loss detector's findings and the compactor's figures.
//
// With a loss detector (spawn_loss_detector set), a compactor
// (spawn_compactor) and a remote read endpoint (spawn_query_server) it
// runs them beside the writers and restarts them the same way.
//
// A writer that died leaves its entries pending in the stream; the next
// incarnation in its slot (same consumer name) re-reads them first.
#pragma once

#include "actors/child_slot.hpp"
#include "actors/interfaces.hpp"
#include "lib/http/server.hpp"

#include <caf/local_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace nodepulse {

struct digest_supervisor_settings {
  http::server_settings status;
  bool serve = true; // false: no socket; tests send http_exchange themselves
  std::chrono::milliseconds status_timeout{5'000};
  uint32_t writers = 1;
  // How writer `slot` is spawned: detached in a node, on the test scheduler
  // in tests.
  std::function<db_writer_actor(caf::local_actor*, uint32_t slot)> spawn_writer;
  // Empty: no loss detector.
  std::function<loss_detector_actor(caf::local_actor*)> spawn_loss_detector;
  // Empty: no compactor.
  std::function<compactor_actor(caf::local_actor*)> spawn_compactor;
  // Empty: no remote read endpoint (query.listen unset).
  std::function<query_server_actor(caf::local_actor*)> spawn_query_server;
};

struct digest_supervisor_state {
  static inline constexpr const char* name = "digest_supervisor";
  digest_supervisor_settings settings;
  std::unique_ptr<http::server> server; // stopped (threads joined) with the state
  child_slots children;
  std::vector<uint32_t> writer_slots;
  uint32_t loss_detector_slot = UINT32_MAX; // none without a loss detector
  uint32_t compactor_slot = UINT32_MAX;     // none without a compactor
  uint32_t query_server_slot = UINT32_MAX;  // none without query.listen

  db_writer_actor writer(size_t i) const { return children.get<db_writer_actor>(writer_slots[i]); }
  loss_detector_actor loss_detector() const {
    return children.get<loss_detector_actor>(loss_detector_slot);
  }
  compactor_actor compactor() const { return children.get<compactor_actor>(compactor_slot); }
  query_server_actor query_server() const {
    return children.get<query_server_actor>(query_server_slot);
  }
  // Writers restarted after one died (the loss detector's restarts aside).
  uint64_t writer_restarts() const;
};

// Quits with sec::cannot_open_port (and the reason) when it cannot listen.
digest_supervisor_actor::behavior_type
digest_supervisor(digest_supervisor_actor::stateful_pointer<digest_supervisor_state> self,
                  digest_supervisor_settings settings);

} // namespace nodepulse

#include "lib/pg/loss_store.hpp"

#include "lib/pg/libpq_support.hpp"

#include <cstdlib>

namespace nodepulse::pg {

struct loss_store::impl : owned_connection {};

loss_store::loss_store(std::string dsn) : dsn_(std::move(dsn)), impl_(std::make_unique<impl>()) {}

loss_store::~loss_store() = default;

std::optional<std::vector<loss_event>> loss_store::detect(std::chrono::seconds settle,
                                                          std::string& error) {
  auto& conn = impl_->conn;
  if (!connect_if_needed(conn, dsn_, error))
    return std::nullopt;
  auto seconds = std::to_string(settle.count()) + " seconds";
  const char* params[] = {seconds.c_str()};
  result_ptr res{PQexecParams(conn,
                              "SELECT kind, server_id, epoch, first_sequence, last_sequence, "
                              "coalesce(previous_epoch, ''), coalesce(agent_drops, ''), "
                              "coalesce(previous_agent_drops, '') "
                              "FROM admiral.detect_batch_losses($1::interval)",
                              1, nullptr, params, nullptr, nullptr, 0)};
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    error = trimmed(PQresultErrorMessage(res.get()));
    return std::nullopt;
  }
  std::vector<loss_event> events;
  for (int i = 0; i < PQntuples(res.get()); ++i) {
    loss_event e;
    std::string kind = PQgetvalue(res.get(), i, 0);
    e.kind = kind == "epoch"     ? loss_event::new_epoch
             : kind == "dropped" ? loss_event::dropped_by_agent
                                 : loss_event::loss;
    e.server_id = PQgetvalue(res.get(), i, 1);
    e.epoch = PQgetvalue(res.get(), i, 2);
    e.first_sequence = std::strtoll(PQgetvalue(res.get(), i, 3), nullptr, 10);
    e.last_sequence = std::strtoll(PQgetvalue(res.get(), i, 4), nullptr, 10);
    e.previous_epoch = PQgetvalue(res.get(), i, 5);
    e.agent_drops = PQgetvalue(res.get(), i, 6);
    e.previous_agent_drops = PQgetvalue(res.get(), i, 7);
    events.push_back(std::move(e));
  }
  return events;
}

} // namespace nodepulse::pg

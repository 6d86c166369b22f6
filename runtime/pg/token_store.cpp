#include "runtime/pg/token_store.hpp"

#include <pqxx/pqxx>

namespace nodepulse::pg {

struct token_store::impl {
  pqxx::connection conn;
  explicit impl(const std::string& dsn) : conn(dsn) {
  }
};

token_store::token_store(std::string dsn) : dsn_(std::move(dsn)) {
}

token_store::~token_store() = default;

token_lookup_result token_store::lookup(const std::string& token_hash) {
  token_lookup_result res;
  try {
    if (!impl_ || !impl_->conn.is_open())
      impl_ = std::make_unique<impl>(dsn_);
    pqxx::read_transaction tx{impl_->conn};
    auto rows = tx.exec_params("SELECT server_id::text FROM admiral.agent_tokens "
                               "WHERE token_hash = $1 AND revoked_at IS NULL",
                               token_hash);
    res.reachable = true;
    if (!rows.empty())
      res.server_id = rows[0][0].as<std::string>();
  } catch (const pqxx::broken_connection& e) {
    impl_.reset(); // reconnect next time
    res.error = e.what();
  } catch (const std::exception& e) {
    // A query error (no such table, say) leaves the connection usable, but
    // the answer is unknown all the same.
    impl_.reset();
    res.error = e.what();
  }
  while (!res.error.empty() && (res.error.back() == '\n' || res.error.back() == ' '))
    res.error.pop_back();
  return res;
}

} // namespace nodepulse::pg

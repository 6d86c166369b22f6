#include "actors/ingest/token_lookup.hpp"

#include "lib/pg/token_store.hpp"

#include <spdlog/spdlog.h>

#include <memory>

namespace nodepulse {

token_lookup_actor::behavior_type
token_lookup(token_lookup_actor::stateful_pointer<token_lookup_state> self,
             token_lookup_fn lookup) {
  self->state.lookup = std::move(lookup);
  return {
    [self](lookup_atom, const std::string& token_hash) {
      auto& st = self->state;
      ++st.lookups;
      auto answer = st.lookup(token_hash);
      if (!answer.reachable)
        ++st.failures;
      // Once per change: a database outage is not a line per push.
      if (!answer.reachable && st.reachable)
        spdlog::warn("token_lookup: the token database did not answer: {}", answer.error);
      else if (answer.reachable && !st.reachable)
        spdlog::info("token_lookup: the token database answers again");
      st.reachable = answer.reachable;
      return answer;
    },
  };
}

token_lookup_fn postgres_token_lookup(const std::string& dsn) {
  auto store = std::make_shared<pg::token_store>(dsn);
  return [store](const std::string& token_hash) {
    auto res = store->lookup(token_hash);
    token_answer answer;
    answer.reachable = res.reachable;
    answer.found = res.server_id.has_value();
    answer.server_id = res.server_id.value_or("");
    answer.error = std::move(res.error);
    return answer;
  };
}

} // namespace nodepulse

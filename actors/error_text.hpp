// An error in words for logs, answers and exit messages: the text it
// carries when it was made with one (make_error(code, "cannot listen on
// ...")), else CAF's rendering of its code.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/error.hpp>

#include <string>

namespace nodepulse {

inline std::string error_text(caf::actor_system& sys, const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return sys.render(err);
}

} // namespace nodepulse

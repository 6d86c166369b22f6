// The agent's actors as its config says: the plan (endpoints, offsets, the
// pusher's settings), the buffer's WAL, each child spawned detached, and
// how SIGHUP rereads the config. Shared by `nodepulse agent` and the
// single-process `nodepulse dev`, which differ in how a push reaches the
// ingest (the push route).
#pragma once

#include "actors/agent/agent_supervisor.hpp"
#include "config/agent_config.hpp"

#include <functional>
#include <string>

namespace nodepulse::node {

using push_fn = decltype(pusher_settings::post);

// How the pusher reaches the ingest, made anew from the config at start
// and on every reload.
using push_route =
  std::function<push_fn(const config::agent_config& cfg, const std::string& server_id)>;

// Over HTTP(S): server.endpoint?server_id=..., server.timeout, server.tls.
push_route http_push_route();

// The request target a push names when it is not a URL (in-process, CAF):
// "/metrics/prometheus?server_id=<id>", or "/metrics" for server.format json.
std::string push_target(const config::agent_config& cfg, const std::string& server_id);

// 0, or the exit code with `error` set: 1 when the server id cannot be made
// or read (its file beside the WAL), 2 when the token file cannot be read.
// `reread` loads the config again for a reload (false: refused, reported).
int make_agent_node(const config::agent_config& cfg, const push_route& route,
                    std::function<bool(config::agent_config&)> reread,
                    agent_supervisor_settings& settings, std::string& server_id,
                    std::string& error);

} // namespace nodepulse::node

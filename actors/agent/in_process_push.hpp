// The pusher's way to an ingest in the same process (`nodepulse dev`): each
// push becomes the http_exchange the ingest's HTTP acceptor would have made
// of it, sent through the ingest supervisor to its current acceptor, so it
// takes the same path as over the network (auth, parsing, the stream, the
// answer) without a socket. Blocking until the answer: the pusher is
// detached.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/agent/http_client.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace nodepulse {

// A pusher's post function that hands each push to `ingest` as a POST to
// `target` ("/metrics/prometheus?server_id=..."), waiting at most `timeout`.
std::function<agent::http_result(const std::string& body, const agent::header_list& headers)>
in_process_push(ingest_supervisor_actor ingest, std::string target,
                std::chrono::milliseconds timeout);

} // namespace nodepulse

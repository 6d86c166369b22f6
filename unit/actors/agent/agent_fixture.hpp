// What the agent actor suites share: an ingest and an exporter whose
// answers a test scripts, each recording what it was asked.
#pragma once

#include "lib/agent/http_client.hpp"
#include "lib/http/inflate.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace nodepulse::test {

inline const std::string agent_server_id = "6f1c2b9e-4a57-4d8e-9b1a-2f3c4d5e6f70";

struct posted {
  std::string batch_id;
  std::string text; // inflated
  agent::header_list headers;

  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name)
        return v;
    return "";
  }
};

// Stands in for the ingest: answers as scripted (200 when nothing is), and
// records every request as it arrived.
struct scripted_ingest {
  std::deque<agent::http_result> answers;
  std::vector<posted> asked;

  void answer(int status, int64_t retry_after_s = -1) {
    agent::http_result r;
    r.status = status;
    r.retry_after_s = retry_after_s;
    if (status >= 400)
      r.body = R"({"status":"error","error":"scripted"})";
    answers.push_back(r);
  }

  void refuse_connections(int times) {
    for (int i = 0; i < times; ++i) {
      agent::http_result r;
      r.error = "connection refused";
      answers.push_back(r);
    }
  }

  // The pusher's post function, answering from `self`.
  static std::function<agent::http_result(const std::string&, const agent::header_list&)>
  post_fn(std::shared_ptr<scripted_ingest> self) {
    return [self](const std::string& body, const agent::header_list& headers) {
      posted p;
      p.headers = headers;
      p.batch_id = p.header("X-Batch-Id");
      auto coding = http::parse_content_encoding(p.header("Content-Encoding"));
      if (!coding
          || http::inflate(*coding, body, 1 << 20, p.text).status != http::inflate_status::ok)
        p.text = "<not inflatable>";
      self->asked.push_back(std::move(p));
      agent::http_result r;
      r.status = 200;
      if (!self->answers.empty()) {
        r = self->answers.front();
        self->answers.pop_front();
      }
      return r;
    };
  }
};

inline uint64_t sequence_of(const std::string& batch_id) {
  return std::stoull(batch_id.substr(batch_id.rfind(':') + 1));
}

// Stands in for an exporter: answers `body` with 200, or what is scripted;
// `crash` makes the next fetch throw (a scraper bug, as far as its
// supervisor can tell).
struct scripted_exporter {
  std::string body = "# TYPE node_load1 gauge\nnode_load1 0.5\n";
  std::deque<agent::http_result> answers;
  int fetches = 0;
  bool crash = false;

  static std::function<agent::http_result()> fetch_fn(std::shared_ptr<scripted_exporter> self) {
    return [self] {
      ++self->fetches;
      if (self->crash) {
        self->crash = false;
        throw std::runtime_error("scripted crash");
      }
      agent::http_result r;
      r.status = 200;
      r.body = self->body;
      r.content_type = "text/plain; version=0.0.4";
      if (!self->answers.empty()) {
        r = self->answers.front();
        self->answers.pop_front();
      }
      return r;
    };
  }
};

} // namespace nodepulse::test

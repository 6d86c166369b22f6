#include "actors/digest/query_worker.hpp"

namespace nodepulse {

namespace {

http::reply text_reply(int status, const std::string& text) {
  http::reply r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = text + "\n";
  if (status == 503)
    r.retry_after_s = 1;
  return r;
}

} // namespace

http::reply answer_read_request(const std::string& body, const read_port& read,
                                const query_settings& settings) {
  std::vector<remote::read_query> queries;
  std::string error;
  if (!remote::decode_read_request(body, settings.max_request_bytes, settings.max_queries, queries,
                                   error))
    return text_reply(400, error);
  std::vector<std::vector<remote::read_series>> results;
  auto outcome = read(queries, settings.limits, results);
  switch (outcome.kind) {
    case pg::read_outcome::ok:
      break;
    case pg::read_outcome::invalid:
    case pg::read_outcome::over_limit:
      return text_reply(400, outcome.error);
    case pg::read_outcome::timed_out:
    case pg::read_outcome::unreachable:
      return text_reply(503, outcome.error);
  }
  http::reply r;
  r.status = 200;
  r.content_type = "application/x-protobuf";
  r.content_encoding = "snappy";
  r.body = remote::encode_read_response(results);
  return r;
}

query_worker_actor::behavior_type
query_worker(query_worker_actor::stateful_pointer<query_worker_state> self, read_port read,
             page::query_port page, query_settings settings) {
  self->state.read = std::move(read);
  self->state.page = std::move(page);
  self->state.settings = std::move(settings);
  return {
    [self](read_atom, const std::string& body) {
      return answer_read_request(body, self->state.read, self->state.settings);
    },
    [self](page_atom, const std::string& path, const std::string& query) {
      return page::answer_api(path, query, self->state.page, self->state.settings.page);
    },
  };
}

} // namespace nodepulse

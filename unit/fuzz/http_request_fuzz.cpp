// libFuzzer target for the HTTP request path: any bytes are parsed as one
// request with the server's limits (Beast), then go through the decisions
// the server and the acceptor make on them, in their order: framing,
// content type and encoding, X-Agent-Dropped, the server id or token, the
// body inflated under a cap and parsed (exposition text or the legacy JSON
// report) with the ingest's limits. Nothing may crash, leak or read out of
// bounds (ASan/UBSan), and every refusal must say why.
#include "lib/http/agent_drops.hpp"
#include "lib/http/framing.hpp"
#include "lib/http/inflate.hpp"
#include "lib/http/message.hpp"
#include "lib/ingest/agent_auth.hpp"
#include "lib/ingest/legacy_report.hpp"
#include "lib/prom/parser.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

using namespace nodepulse;
namespace bhttp = boost::beast::http;

namespace {

void require_reason(bool ok, const std::string& reason) {
  if (!ok && reason.empty())
    std::abort(); // a refusal that names nothing
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(256 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!parser.is_header_done())
    return 0;
  const auto& hdr = parser.get();
  auto te = hdr[bhttp::field::transfer_encoding];
  if (http::framing_problem({te.data(), te.size()}, hdr.count(bhttp::field::transfer_encoding),
                            hdr.count(bhttp::field::content_length) > 0))
    return 0;
  http::request req;
  req.method = std::string{hdr.method_string()};
  auto target = hdr.target();
  auto q = target.find('?');
  req.path = std::string{target.substr(0, q)};
  if (q != boost::beast::string_view::npos)
    req.query = std::string{target.substr(q + 1)};
  req.authorization = std::string{hdr[bhttp::field::authorization]};
  req.content_encoding = std::string{hdr[bhttp::field::content_encoding]};
  req.agent_dropped = std::string{hdr["X-Agent-Dropped"]};
  if (!req.agent_dropped.empty()) {
    http::agent_drops drops;
    std::string why;
    bool ok = http::parse_agent_drops(req.agent_dropped, drops, why);
    require_reason(ok, why);
    if (ok) {
      http::agent_drops again;
      if (!http::parse_agent_drops(http::format_agent_drops(drops), again, why))
        std::abort(); // what we store must read back
    }
  }
  // Both auth modes: without tokens the query names the server; with
  // them a registry of one token answers.
  auto open = ingest::authorize(false, req.authorization, http::query_param(req.query, "server_id"),
                                [](std::string_view) { return std::optional<std::string>{}; });
  require_reason(open.status == 200, open.error);
  auto token = ingest::authorize(
    true, req.authorization, http::query_param(req.query, "server_id"), [](std::string_view t) {
      return t == "tok" ? std::optional<std::string>{"0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11"}
                        : std::nullopt;
    });
  require_reason(token.status == 200, token.error);
  if (!parser.is_done())
    return 0;
  auto coding = http::parse_content_encoding(req.content_encoding);
  if (!coding)
    return 0;
  std::string inflated;
  const std::string& body = parser.get().body();
  std::string_view text = body;
  if (*coding != http::content_encoding::identity) {
    auto res = http::inflate(*coding, body, 1 << 20, inflated);
    require_reason(res.status == http::inflate_status::ok
                     || res.status == http::inflate_status::too_large,
                   res.error);
    if (res.status != http::inflate_status::ok)
      return 0;
    text = inflated;
  }
  prom::sample_batch batch;
  if (req.path == "/metrics") {
    ingest::legacy_report report;
    ingest::parse_legacy_report(text, 1700000000000, batch, report);
  } else {
    prom::parse_options opts;
    opts.limits.max_samples = 10'000;
    opts.limits.max_families = 1'000;
    auto res = prom::parse(text, opts, batch);
    if (!res.ok && (res.errors.empty() || res.errors.front().reason.empty()))
      std::abort();
  }
  return 0;
}

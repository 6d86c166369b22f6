#include "config/agent_config.hpp"

#include "config/ingest_config.hpp" // valid_listen_address
#include "config/role_readers.hpp"
#include "config/rule_sets.hpp"
#include "config/yaml_reader.hpp"
#include "lib/agent/exporter_discovery.hpp"
#include "lib/agent/metric_filter.hpp"
#include "lib/prom/char_scan.hpp"
#include "lib/text/uuid.hpp"

#include <set>

namespace nodepulse::config {

namespace {

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool http_url(const std::string& url) {
  return (starts_with(url, "http://") && url.size() > 7)
         || (starts_with(url, "https://") && url.size() > 8);
}

using agent::metric_rule;

// One item of metric_relabel_configs: the filtering actions of Prometheus'
// relabelling, each with the keys it takes.
void read_metric_rule(yaml_reader& r, metric_rule& rule) {
  std::string action;
  r.string("action", action);
  if (action.empty())
    r.fail_missing("action", "missing: keep, drop, labeldrop or labelkeep");
  else if (action == "keep")
    rule.action = metric_rule::action_t::keep;
  else if (action == "drop")
    rule.action = metric_rule::action_t::drop;
  else if (action == "labeldrop")
    rule.action = metric_rule::action_t::labeldrop;
  else if (action == "labelkeep")
    rule.action = metric_rule::action_t::labelkeep;
  else
    r.fail_key("action", "'" + action
                           + "': expected keep, drop, labeldrop or labelkeep (the agent "
                             "filters what it scrapes; it does not rewrite labels)");
  const bool by_value =
    rule.action == metric_rule::action_t::keep || rule.action == metric_rule::action_t::drop;
  bool listed = r.strings("source_labels", rule.source_labels);
  for (const auto& name : rule.source_labels)
    if (!prom::scan::valid_name(name, false)) {
      r.fail_key("source_labels", "'" + name + "' is not a label name");
      break;
    }
  if (by_value && !listed)
    r.fail_missing("source_labels", "keep and drop need the labels whose values they match, "
                                    "e.g. [__name__] for the metric name");
  else if (by_value && rule.source_labels.empty())
    r.fail_key("source_labels", "must name at least one label");
  else if (!by_value && listed)
    r.fail_key("source_labels", "labeldrop and labelkeep match label names; they take "
                                "only regex");
  r.string("separator", rule.separator);
  r.string("regex", rule.regex);
  if (auto problem = agent::regex_problem(rule.regex); !problem.empty())
    r.fail_key("regex", "not a valid regular expression (RE2 syntax): " + problem);
}

// Appends the rules of the built-in rule set `name`; false (with why) when
// there is none of that name.
bool append_rule_set(const std::string& name, std::vector<metric_rule>& rules,
                     std::string& problem) {
  const char* yaml = builtin_rule_set(name);
  if (yaml == nullptr) {
    problem = "no rule set named '" + name + "' (there is: " + builtin_rule_set_names() + ")";
    return false;
  }
  auto problems = load_config_text(yaml, [&](yaml_reader& top, std::vector<config_error>&) {
    top.mappings("metric_relabel_configs", [&](yaml_reader& item, size_t) {
      metric_rule rule;
      read_metric_rule(item, rule);
      rules.push_back(std::move(rule));
    });
  });
  if (!problems.empty()) { // a flaw of the build, named all the same
    problem = "the built-in rule set '" + name + "' is broken: " + problems.front().key + ": "
              + problems.front().message;
    return false;
  }
  return true;
}

// The endpoint's rules: its rule set's, then its own.
void read_endpoint_rules(yaml_reader& e, scrape_endpoint& ep) {
  e.string("rule_set", ep.rule_set);
  std::string problem;
  if (!ep.rule_set.empty() && !append_rule_set(ep.rule_set, ep.rules, problem))
    e.fail_key("rule_set", problem);
  e.mappings("metric_relabel_configs", [&](yaml_reader& item, size_t) {
    metric_rule rule;
    read_metric_rule(item, rule);
    ep.rules.push_back(std::move(rule));
  });
}

// scrapers.discover: what is probed on loopback, as endpoints.
void read_discover(yaml_reader& r, agent_config& cfg, std::vector<config_error>& errors) {
  auto& d = cfg.discover;
  r.boolean("enabled", d.enabled);
  r.duration_ms("interval", d.interval_ms);
  if (d.interval_ms < 1'000)
    r.fail_key("interval", "must be at least 1s");
  r.boolean("well_known", d.well_known);
  std::set<int64_t> ports;
  std::set<std::string> names; // a job name is one exporter's
  r.mappings("ports", [&](yaml_reader& e, size_t) {
    scrape_endpoint ep;
    int64_t port = 0;
    e.integer("port", port, 1, 65'535);
    if (!e.has("port"))
      e.fail_missing("port", "missing: the loopback port the exporter listens on");
    else if (port != 0 && !ports.insert(port).second)
      e.fail_key("port", std::to_string(port) + " is listed already");
    std::string path = "/metrics";
    e.string("path", path);
    if (path.empty() || path.front() != '/')
      e.fail_key("path", "expected a path starting with /, got '" + path + "'");
    ep.url = agent::loopback_url(port, path);
    e.string("name", ep.name);
    if (ep.name.empty())
      e.fail_missing("name", "missing: the job name its samples are scraped under");
    else if (!names.insert(ep.name).second)
      e.fail_key("name", "'" + ep.name + "' names another port already");
    read_endpoint_rules(e, ep);
    d.ports.push_back(std::move(ep));
  });
  d.candidates.clear();
  if (d.well_known)
    for (const auto& known : agent::well_known_exporters) {
      if (ports.count(known.port) > 0 || names.count(known.job) > 0)
        continue; // the operator's entry for that port or job wins
      scrape_endpoint ep;
      ep.url = agent::loopback_url(known.port, "/metrics");
      ep.name = known.job;
      ep.rule_set = known.rule_set;
      std::string problem;
      if (!ep.rule_set.empty() && !append_rule_set(ep.rule_set, ep.rules, problem))
        errors.push_back({0, 0, "scrapers.discover.well_known", problem});
      d.candidates.push_back(std::move(ep));
    }
  d.candidates.insert(d.candidates.end(), d.ports.begin(), d.ports.end());
}

} // namespace

void read_agent_config(yaml_reader& top, agent_config& cfg, const std::string& prefix,
                       std::vector<config_error>& errors) {
  top.section("scrapers", [&](yaml_reader& scrapers) {
    scrapers.section("discover", [&](yaml_reader& r) { read_discover(r, cfg, errors); });
    scrapers.section("prometheus", [&](yaml_reader& r) {
      r.boolean("enabled", cfg.prometheus.enabled);
      std::vector<scrape_endpoint> endpoints;
      std::set<std::string> names;
      bool listed = r.mappings("endpoints", [&](yaml_reader& e, size_t) {
        scrape_endpoint ep;
        e.string("url", ep.url);
        if (!http_url(ep.url))
          e.fail_key("url", "expected an http:// or https:// URL, got '" + ep.url + "'");
        e.string("name", ep.name);
        if (ep.name.empty())
          e.fail_key("name", "must not be empty (it names the job in up, scrape_* and logs)");
        else if (!names.insert(ep.name).second)
          e.fail_key("name", "'" + ep.name + "' names another endpoint already");
        e.duration_ms("interval", ep.interval_ms);
        if (ep.interval_ms != 0 && ep.interval_ms < 1'000)
          e.fail_key("interval", "must be at least 1s");
        e.duration_ms("timeout", ep.timeout_ms);
        if (ep.timeout_ms != 0 && ep.interval_ms != 0 && ep.timeout_ms > ep.interval_ms)
          e.fail_key("timeout", "must not be longer than the endpoint's interval");
        read_endpoint_rules(e, ep);
        endpoints.push_back(std::move(ep));
      });
      if (listed)
        cfg.prometheus.endpoints = std::move(endpoints);
    });
  });
  top.section("server", [&](yaml_reader& r) {
    r.choice("transport", cfg.server.transport,
             {{"http", push_transport::http}, {"caf", push_transport::caf}});
    r.string("endpoint", cfg.server.endpoint);
    if (cfg.server.transport == push_transport::caf) {
      if (!valid_listen_address(cfg.server.endpoint))
        r.fail_key("endpoint", "with transport caf, expected the ingest's caf.listen "
                               "host:port, got '"
                                 + cfg.server.endpoint + "'");
    } else if (!http_url(cfg.server.endpoint)) {
      r.fail_key("endpoint",
                 "expected an http:// or https:// URL, got '" + cfg.server.endpoint + "'");
    }
    r.choice("format", cfg.server.format,
             {{"prometheus", push_format::prometheus}, {"json", push_format::json}});
    r.duration_ms("timeout", cfg.server.timeout_ms);
    if (cfg.server.timeout_ms < 100)
      r.fail_key("timeout", "must be at least 100ms");
    r.string("token_file", cfg.server.token_file);
    r.choice("compression", cfg.server.compression,
             {{"zstd", http::content_encoding::zstd},
              {"gzip", http::content_encoding::gzip},
              {"none", http::content_encoding::identity}});
    r.integer("replay_rate", cfg.server.replay_rate, 1, 10'000);
    r.duration_ms("max_backoff", cfg.server.max_backoff_ms);
    if (cfg.server.max_backoff_ms < 1'000 || cfg.server.max_backoff_ms > 3'600'000)
      r.fail_key("max_backoff", "must be between 1s and 1h");
    r.section("tls", [&](yaml_reader& t) {
      t.string("ca_file", cfg.server.tls.ca_file);
      t.string("cert_file", cfg.server.tls.cert_file);
      t.string("key_file", cfg.server.tls.key_file);
      if (cfg.server.tls.cert_file.empty() != cfg.server.tls.key_file.empty())
        t.fail_key(cfg.server.tls.cert_file.empty() ? "key_file" : "cert_file",
                   "cert_file and key_file go together (a client certificate)");
      // CAF's OpenSSL transport always authenticates both sides.
      else if (cfg.server.transport == push_transport::caf && !cfg.server.tls.ca_file.empty()
               && cfg.server.tls.cert_file.empty())
        t.fail_key("ca_file", "with transport caf, TLS needs cert_file and key_file too "
                              "(CAF's TLS always authenticates both sides)");
      else if (cfg.server.transport == push_transport::caf && cfg.server.tls.ca_file.empty()
               && !cfg.server.tls.cert_file.empty())
        t.fail_key("cert_file", "with transport caf, TLS needs ca_file too (the CA that "
                                "signed the ingest's certificate)");
    });
  });
  top.section("agent", [&](yaml_reader& r) {
    r.string("server_id", cfg.agent.server_id);
    if (cfg.agent.server_id != generated_server_id && !text::valid_uuid(cfg.agent.server_id))
      r.fail_key("server_id", std::string{"expected a UUID or '"} + generated_server_id + "', got '"
                                + cfg.agent.server_id + "'");
    r.duration_ms("interval", cfg.agent.interval_ms);
    if (cfg.agent.interval_ms < 1'000)
      r.fail_key("interval", "must be at least 1s");
  });
  top.section("buffer", [&](yaml_reader& r) {
    r.boolean("enabled", cfg.buffer.enabled);
    r.integer("retention_hours", cfg.buffer.retention_hours, 1, 24 * 365);
    r.integer("max_size_mb", cfg.buffer.max_size_mb, 1, 1'000'000);
    r.string("path", cfg.buffer.path);
    r.choice("fsync", cfg.buffer.fsync,
             {{"always", wal::fsync_policy::always},
              {"interval", wal::fsync_policy::interval},
              {"never", wal::fsync_policy::never}});
    if (cfg.buffer.path.empty())
      r.fail_key("path", "must not be empty");
  });
  top.section("status", [&](yaml_reader& r) {
    r.string("listen", cfg.status.listen);
    if (!valid_listen_address(cfg.status.listen))
      r.fail_key("listen", "expected host:port, got '" + cfg.status.listen + "'");
  });
  top.section("logging", [&](yaml_reader& r) {
    r.choice("level", cfg.logging.level,
             {{"trace", log_level::trace},
              {"debug", log_level::debug},
              {"info", log_level::info},
              {"warn", log_level::warn},
              {"error", log_level::error}});
  });
  if (cfg.prometheus.enabled && cfg.prometheus.endpoints.empty() && !cfg.discover.enabled)
    errors.push_back({0, 0, prefix + "scrapers.prometheus.endpoints",
                      "no endpoint to scrape (list one, set enabled: false, or turn on "
                      "scrapers.discover)"});
}

std::vector<config_error> load_agent_config(const std::string& text, agent_config& cfg) {
  return load_config_text(text, [&](yaml_reader& top, std::vector<config_error>& errors) {
    read_agent_config(top, cfg, "", errors);
  });
}

std::vector<config_error> load_agent_config_file(const std::string& path, agent_config& cfg) {
  return load_config_file(path, cfg, load_agent_config);
}

} // namespace nodepulse::config

#define CAF_SUITE lib.agent.exporter_discovery
#include <caf/test/unit_test.hpp>

#include "lib/agent/exporter_discovery.hpp"

#include <set>
#include <string>

using namespace nodepulse::agent;

CAF_TEST(an answer is an exporter s only with Prometheus samples) {
  CAF_CHECK_EQUAL(not_an_exporter({200, "# TYPE up gauge\nup 1\n", "text/plain", ""}), "");
  CAF_CHECK_EQUAL(not_an_exporter({200, "# TYPE x counter\nx_total 1\n# EOF\n",
                                   "application/openmetrics-text", ""}),
                  "");
  CAF_CHECK(not_an_exporter({200, "<html><body>hello</body></html>", "text/html", ""})
              .find("no Prometheus samples in the answer: line 1")
            == 0);
  CAF_CHECK_EQUAL(not_an_exporter({200, "", "text/plain", ""}),
                  "no Prometheus samples in the answer");
  CAF_CHECK_EQUAL(not_an_exporter({404, "not found", "text/plain", ""}), "HTTP 404");
  CAF_CHECK_EQUAL(not_an_exporter({0, "", "", "connection refused"}), "connection refused");
}

CAF_TEST(the well known ports are distinct and only loopback is probed) {
  std::set<int> ports;
  for (const auto& e : well_known_exporters)
    CAF_CHECK(ports.insert(e.port).second);
  CAF_CHECK_EQUAL(ports, (std::set<int>{9100, 9115, 9121, 9187, 9256}));
  CAF_CHECK_EQUAL(loopback_url(9500, "/stats"), "http://127.0.0.1:9500/stats");
  CAF_CHECK_EQUAL(loopback_url(9100, ""), "http://127.0.0.1:9100/metrics");
}

"""Real OpenMetrics from the reference client (Debian's python3-prometheus-client).

  generate DIR        write DIR/reference.om (OpenMetrics 1.0) and
                      DIR/reference.prom (text 0.0.4) from one registry holding
                      every metric type, units, exemplars and awkward labels
  compare OM JSONL    parse OM with the reference parser and check that
                      `nodepulse parse --jsonl` found the same samples
"""
import json
import math
import sys

from prometheus_client import CollectorRegistry, Counter, Enum, Gauge, Histogram, Info, Summary
from prometheus_client.core import GaugeHistogramMetricFamily
from prometheus_client.exposition import generate_latest as generate_text
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.openmetrics.parser import text_string_to_metric_families


class QueueCollector:
    """A gauge histogram: the client has no instrument for it."""

    def collect(self):
        g = GaugeHistogramMetricFamily("queue_wait_seconds", "Jobs waiting, by wait.",
                                       labels=["queue"])
        g.add_metric(["mail"], [("0.5", 3.0), ("+Inf", 7.0)], gsum_value=9.5)
        yield g


def generate(out):
    r = CollectorRegistry()
    c = Counter("http_requests", "Requests served.", ["code", "path"], registry=r)
    c.labels("200", "/").inc(41)
    c.labels("500", '/say "hi"\\ and\nnewline').inc(2)
    c.labels("200", "/ünïcödé/路径").inc(exemplar={"trace_id": "abc123"})
    Gauge("room_temperature_celsius", "Temperature.", unit="celsius", registry=r).set(-3.5)
    Gauge("not_a_number", "NaN gauge.", registry=r).set(float("nan"))
    Gauge("infinite", "Inf gauge.", registry=r).set(float("inf"))
    h = Histogram("rpc_duration_seconds", "RPC latency.", ["method"],
                  buckets=(0.01, 0.1, 1.0), registry=r)
    h.labels("get").observe(0.05, exemplar={"trace_id": "def456"})
    h.labels("get").observe(2.0)
    s = Summary("payload_bytes", "Payload sizes.", registry=r)
    s.observe(512)
    Info("build", "Build information.", registry=r).info({"version": "1.2.3", "commit": "abc"})
    Enum("job_state", "Job state.", states=["idle", "running"], registry=r).state("running")
    r.register(QueueCollector())
    with open(f"{out}/reference.om", "wb") as f:
        f.write(generate_openmetrics(r))
    with open(f"{out}/reference.prom", "wb") as f:
        f.write(generate_text(r))


def key(name, labels):
    return name, tuple(sorted(labels.items()))


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def compare(om_path, jsonl_path):
    with open(om_path, encoding="utf-8") as f:
        text = f.read()
    expected = {}
    exemplars = 0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            expected[key(s.name, s.labels)] = (s.value, family.type)
            exemplars += s.exemplar is not None
    ours = {}
    for line in open(jsonl_path, encoding="utf-8"):
        o = json.loads(line)
        v = o["value"]
        v = {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}.get(v, v)
        ours[key(o["name"], o["labels"])] = (float(v), o["type"])
    problems = []
    for k, (value, mtype) in expected.items():
        if k not in ours:
            problems.append(f"missing {k}")
        elif not same(ours[k][0], value):
            problems.append(f"{k}: value {ours[k][0]} != {value}")
        elif ours[k][1] != mtype:
            problems.append(f"{k}: type {ours[k][1]} != {mtype}")
    problems += [f"unexpected {k}" for k in ours if k not in expected]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"{len(expected)} samples ({exemplars} with exemplars) agree with the reference parser")


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2])
    else:
        compare(sys.argv[2], sys.argv[3])

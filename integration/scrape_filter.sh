#!/usr/bin/env bash
# Filtering at the source against a real node_exporter: `nodepulse scrape`
# applies an endpoint's rules exactly as the agent does before its WAL.
# Checked against the exporter's own answer: what the node_exporter rule set
# (config/rule_sets/node_exporter.yml) keeps is what its keep-list names, all
# of it, and nothing of what its drop rules name; an endpoint's own rules
# follow the set's; an endpoint without rules keeps every sample.
set -euo pipefail
nodepulse=$1
src=$2
. "$(dirname "$0")/support/lib.sh"

work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT

# A metric of the operator's own, through the textfile collector: the rule
# set's keep-list drops it (docs/filtering.md says so).
mkdir "$work/textfile"
echo 'my_app_jobs_waiting 3' >"$work/textfile/my_app.prom"
port=$(free_port)
start_node_exporter "$port" "$work/exporter.log" --collector.textfile.directory="$work/textfile"
url="http://127.0.0.1:$port/metrics"

cat >"$work/agent.yml" <<YML
scrapers:
  prometheus:
    endpoints:
      - url: "$url"
        name: node_exporter
        rule_set: node_exporter
        metric_relabel_configs:
          - action: labeldrop
            regex: fstype
      - url: "$url"
        name: everything
YML

echo "== the node_exporter rule set, then a labeldrop of the endpoint's own"
"$nodepulse" scrape -c "$work/agent.yml" --endpoint node_exporter --print \
  >"$work/kept.prom" 2>"$work/report" || { cat "$work/report"; fail "scrape failed"; }
cat "$work/report"
curl -sf "$url" >"$work/raw.prom"
scraped=$(sed -n 's/.*: up, \([0-9]*\) samples in .*/\1/p' "$work/report")
kept=$(sed -n 's/^  kept \([0-9]*\) samples, dropped \([0-9]*\) .*/\1/p' "$work/report")
dropped=$(sed -n 's/^  kept \([0-9]*\) samples, dropped \([0-9]*\) .*/\2/p' "$work/report")
[ -n "$scraped" ] && [ -n "$kept" ] && [ -n "$dropped" ] || fail "unexpected report"
[ $((kept + dropped)) -eq "$scraped" ] || fail "kept $kept + dropped $dropped != scraped $scraped"
[ "$dropped" -gt 0 ] && [ "$kept" -gt 0 ] || fail "the rule set kept $kept, dropped $dropped"
grep -qxF "scrape_samples_post_metric_relabeling{job=\"node_exporter\"} $kept $(
  sed -n 's/^scrape_samples_scraped{job="node_exporter"} [0-9]* \([0-9]*\)$/\1/p' "$work/kept.prom")" \
  "$work/kept.prom" || fail "scrape_samples_post_metric_relabeling is not $kept"

# The kept text against the exporter's answer, judged by Python's re (the
# rule set's expressions are in the syntax RE2 and Python share).
python3 - "$src/config/rule_sets/node_exporter.yml" "$work/raw.prom" "$work/kept.prom" "$kept" <<'PY'
import re, sys, yaml

rules = yaml.safe_load(open(sys.argv[1]))["metric_relabel_configs"]
keep = re.compile(rules[0]["regex"])
assert rules[0]["action"] == "keep" and rules[0]["source_labels"] == ["__name__"]
drops = [(r["source_labels"], r.get("separator", ";"), re.compile(r["regex"])) for r in rules[1:]]
synthetic = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
             "scrape_samples_post_metric_relabeling"}
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

def samples(path):
    out = []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        m = LINE.match(line.rstrip("\n"))
        assert m, f"{path}: unreadable line {line!r}"
        labels = dict(LABEL.findall(m.group(2) or ""))
        out.append((m.group(1), labels))
    return out

def wanted(name, labels):
    if not keep.fullmatch(name):
        return False
    values = dict(labels, __name__=name)
    for sources, sep, regex in drops:
        if regex.fullmatch(sep.join(values.get(s, "") for s in sources)):
            return False
    return True

def key(name, labels):
    labels = {k: v for k, v in labels.items() if k != "fstype"}
    return name + str(sorted(labels.items()))

raw = samples(sys.argv[2])
kept = [s for s in samples(sys.argv[3]) if s[0] not in synthetic]
problems = []
if len(kept) != int(sys.argv[4]):
    problems.append(f"{len(kept)} sample lines, the report says {sys.argv[4]}")
for name, labels in kept:
    if not wanted(name, labels):
        problems.append(f"kept what the rules drop: {name}{labels}")
    if "fstype" in labels:
        problems.append(f"labeldrop left fstype on {name}")
# Every series the rules want is there (the scrapes were a moment apart:
# series, not values, are compared).
expected = {key(n, l) for n, l in raw if wanted(n, l)}
got = {key(n, l) for n, l in kept}
for missing in sorted(expected - got)[:5]:
    problems.append(f"missing: {missing}")
for name in ("node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_load1",
             "node_network_receive_bytes_total", "node_filesystem_size_bytes"):
    if not any(n == name for n, _ in kept):
        problems.append(f"{name} not kept: sql/queries needs it")
for name in ("go_goroutines", "node_scrape_collector_success", "my_app_jobs_waiting"):
    if any(n == name for n, _ in kept):
        problems.append(f"{name} kept")
if any(l.get("device") == "lo" for n, l in kept):
    problems.append("device lo kept")
if problems:
    sys.exit("\n".join(problems))
print(f"kept {len(kept)} of {len(raw)} exporter samples, each one the rules want; none missing")
PY

echo "== an endpoint without rules keeps every sample"
"$nodepulse" scrape -c "$work/agent.yml" --endpoint everything --print \
  >"$work/all.prom" 2>"$work/report-all" || fail "scrape failed"
cat "$work/report-all"
grep -q '^  kept [0-9]* samples, dropped 0 (0.0%)$' "$work/report-all" || fail "rules where none are"
grep -qx 'my_app_jobs_waiting 3 [0-9]*' "$work/all.prom" || fail "the textfile metric is missing"

echo "== a rule the agent cannot apply is refused with its key and line"
cat >"$work/bad.yml" <<YML
scrapers:
  prometheus:
    endpoints:
      - url: "$url"
        name: node_exporter
        metric_relabel_configs:
          - action: drop
            source_labels: [__name__]
            regex: "node_(cpu"
YML
if "$nodepulse" scrape -c "$work/bad.yml" >"$work/bad.out" 2>&1; then fail "a bad regex was taken"; fi
grep -q 'line 9, column 20: scrapers.prometheus.endpoints\[0\].metric_relabel_configs\[0\].regex: not a valid regular expression' \
  "$work/bad.out" || { cat "$work/bad.out"; fail "the error does not name the key"; }
echo "PASS"

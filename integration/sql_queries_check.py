#!/usr/bin/env python3
"""Checks sql/queries/ answers (WORK/<query>.out, psql -At -F '|') against
the figures computed here from the scraped text (WORK/scrape1..3.prom) with
prometheus_client's parser, not ours. WORK/timestamps.txt holds each
scrape's stored time (ms), in order."""
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

work = Path(sys.argv[1])
failures = []


def samples(i):
    text = (work / f"scrape{i}.prom").read_text()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            yield s.name, s.labels, s.value


scrapes = [list(samples(i)) for i in (1, 2, 3)]
times_ms = [int(line) for line in (work / "timestamps.txt").read_text().split()]
if len(times_ms) != 3:
    sys.exit(f"expected 3 scrape times, got {times_ms}")


def total(scrape, name, where=lambda labels: True):
    return sum(v for n, labels, v in scrape if n == name and where(labels))


def one(scrape, name, where=lambda labels: True):
    values = [v for n, labels, v in scrape if n == name and where(labels)]
    if len(values) != 1:
        sys.exit(f"{name}: expected one sample, found {len(values)}")
    return values[0]


def delta(now, before):
    return now - before if now >= before else now


def rows(query):
    lines = (work / f"{query}.out").read_text().splitlines()
    return [line.split("|") for line in lines if line]


def check(query, expected, tolerance=1e-9):
    """expected: one list of numbers per row; the query's columns after the timestamp;
    tolerance: relative, of values over 1."""
    got = rows(query)
    if len(got) != len(expected):
        failures.append(f"{query}: {len(got)} rows, expected {len(expected)}: {got}")
        return
    for r, (row, want) in enumerate(zip(got, expected)):
        values = [float(x) if x != "" else None for x in row[1:]]  # "": NULL
        if len(values) != len(want):
            failures.append(f"{query} row {r + 1}: {len(values)} columns, expected {len(want)}")
            continue
        for c, (g, w) in enumerate(zip(values, want)):
            if g is None or w is None:
                if g is not w:
                    failures.append(f"{query} row {r + 1} column {c + 2}: {g!r}, expected {w!r}")
            elif abs(g - w) > tolerance * max(1.0, abs(w)):
                failures.append(f"{query} row {r + 1} column {c + 2}: {g!r}, expected {w!r}")
    print(f"{query}: {len(got)} rows agree, last {got[-1][1:]}")


# CPU usage per interval.
cpu = []
for before, now in zip(scrapes, scrapes[1:]):
    per_series = {}
    for n, labels, v in before:
        if n == "node_cpu_seconds_total":
            per_series[(labels["cpu"], labels["mode"])] = v
    d_all = d_idle = 0.0
    for n, labels, v in now:
        if n == "node_cpu_seconds_total":
            d = delta(v, per_series[(labels["cpu"], labels["mode"])])
            d_all += d
            if labels["mode"] == "idle":
                d_idle += d
    cpu.append([100 * (1 - d_idle / d_all)])
# The queries sum each scrape's CPU counters before taking deltas, here each
# series' delta is summed: both exact but for rounding at the counters'
# magnitude (~1e-16 of 1e6 s on a long-running host), so to 1e-6 of the figure.
CPU_TOLERANCE = 1e-6
check("cpu_usage_percent", cpu, CPU_TOLERANCE)

mb, gb = 1 << 20, 1 << 30
check("memory", [[one(s, "node_memory_MemTotal_bytes") / mb,
                  (one(s, "node_memory_MemTotal_bytes")
                   - one(s, "node_memory_MemAvailable_bytes")) / mb] for s in scrapes])

root = lambda labels: labels.get("mountpoint") == "/"
check("root_filesystem", [[one(s, "node_filesystem_size_bytes", root) / gb,
                           (one(s, "node_filesystem_size_bytes", root)
                            - one(s, "node_filesystem_avail_bytes", root)) / gb,
                           (one(s, "node_filesystem_size_bytes", root)
                            - one(s, "node_filesystem_free_bytes", root)) / gb]
                          for s in scrapes])

not_lo = lambda labels: labels.get("device") != "lo"
net = []
for before, now in zip(scrapes, scrapes[1:]):
    figures = []
    for name in ("node_network_receive_bytes", "node_network_transmit_bytes"):
        # prometheus_client names counter samples with their _total suffix.
        name += "_total"
        prev = {l["device"]: v for n, l, v in before if n == name and not_lo(l)}
        figures.append(sum(delta(v, prev[l["device"]])
                           for n, l, v in now if n == name and not_lo(l)))
    net.append(figures)
check("network", net)

check("uptime", [[(t / 1000 - one(s, "node_boot_time_seconds")) / 86400]
                 for s, t in zip(scrapes, times_ms)])

check("load", [[one(s, "node_load1"), one(s, "node_load5"), one(s, "node_load15")]
               for s in scrapes])


def check_keyed(query, expected):
    """expected: {(row index of the interval, key): [numbers]}; rows are
    timestamp|key|figures..., one per interval and key."""
    got = {}
    stamps = sorted({r[0] for r in rows(query)})
    for r in rows(query):
        got[(stamps.index(r[0]), r[1])] = [float(x) for x in r[2:]]
    if sorted(got) != sorted(expected):
        failures.append(f"{query}: rows for {sorted(got)}, expected {sorted(expected)}")
        return
    for k, want in expected.items():
        for c, (g, w) in enumerate(zip(got[k], want)):
            if abs(g - w) > 1e-9 * max(1.0, abs(w)):
                failures.append(f"{query} {k} column {c + 3}: {g!r}, expected {w!r}")
    print(f"{query}: {len(got)} rows agree")


# CPU by mode: each mode's share of all modes' time, per interval, a column
# per Linux mode in node_exporter's order and `other` (NULL: no such mode).
LINUX_MODES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
modes = []
for before, now in zip(scrapes, scrapes[1:]):
    prev = {(l["cpu"], l["mode"]): v for n, l, v in before if n == "node_cpu_seconds_total"}
    per_mode = {}
    for n, l, v in now:
        if n == "node_cpu_seconds_total":
            per_mode[l["mode"]] = per_mode.get(l["mode"], 0.0) + delta(v, prev[(l["cpu"], l["mode"])])
    d_all = sum(per_mode.values())
    others = [d for m, d in per_mode.items() if m not in LINUX_MODES]
    row = [100 * per_mode[m] / d_all if m in per_mode else None for m in LINUX_MODES]
    modes.append(row + [100 * sum(others) / d_all if others else None])
check("cpu_mode_percent", modes, CPU_TOLERANCE)

# Network per device: bytes per second between two scrapes' stored times.
per_device = {}
for i, (before, now) in enumerate(zip(scrapes, scrapes[1:])):
    seconds = (times_ms[i + 1] - times_ms[i]) / 1000
    rates = {}
    for name in ("node_network_receive_bytes_total", "node_network_transmit_bytes_total"):
        prev = {l["device"]: v for n, l, v in before if n == name and not_lo(l)}
        for n, l, v in now:
            if n == name and not_lo(l):
                rates.setdefault(l["device"], []).append(delta(v, prev[l["device"]]) / seconds)
    for device, figures in rates.items():
        per_device[(i, device)] = figures
check_keyed("network_interfaces", per_device)

# The plan's dashboard query: every CPU sample of the last five minutes.
want = sorted((l["cpu"], l["mode"], v) for s in scrapes
              for n, l, v in s if n == "node_cpu_seconds_total")[:100]
got = sorted((r[0], r[1], float(r[2])) for r in rows("latest_cpu"))
if len(want) <= 100 and got != want:
    failures.append(f"latest_cpu: {len(got)} rows differ from the {len(want)} scraped")
print(f"latest_cpu: {len(got)} rows")

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)

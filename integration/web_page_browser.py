#!/usr/bin/env python3
"""The web page in Debian's Chromium, driven over WebDriver (chromedriver,
plain HTTP and JSON: no client library). Usage: PAGE_URL SERVER_ID DSN SRC
SHOTS. Loads the fleet, one server's plots (total and by mode) and the
pipeline view; checks what the DOM holds, that the CPU plot's last value is
what sql/queries/cpu_usage_percent.sql answers for the same scrape, that
the browser logged no error, and that each screenshot is not blank."""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from PIL import Image

page, server, dsn, src, shots = sys.argv[1:6]
shots = Path(shots)


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
profile = tempfile.mkdtemp(prefix="nodepulse-chromium-")
driver_log = open(Path(profile) / "chromedriver.log", "w")
driver = subprocess.Popen(["/usr/bin/chromedriver", f"--port={port}", "--allowed-ips=127.0.0.1"],
                          stdout=driver_log, stderr=subprocess.STDOUT)
base = f"http://127.0.0.1:{port}"


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]
    except urllib.error.HTTPError as e:
        fail(f"WebDriver {method} {path}: {e.code} {e.read()[:500]!r}")


session = None
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/status", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    # The flags this machine's closed network needs (no background fetches).
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}/profile", "--hide-scrollbars",
            "--window-size=1400,1100"]
    session = call("POST", "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
        "goog:loggingPrefs": {"browser": "ALL"}}}})["sessionId"]
    at = f"/session/{session}"

    def run(script, *arguments):
        return call("POST", at + "/execute/sync", {"script": script, "args": list(arguments)})

    def open_view(fragment):
        call("POST", at + "/url", {"url": f"{page}/{fragment}"})
        wait_loaded(fragment)

    def wait_loaded(fragment, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            state = run("return [document.body.getAttribute('data-loaded'),"
                        " (document.querySelector('.error') || {}).textContent];")
            if state[1]:
                fail(f"{fragment}: the page shows an error: {state[1]}")
            if state[0] == fragment:
                return
            time.sleep(0.2)
        fail(f"{fragment}: not loaded within {seconds} s")

    def errors():
        """The browser's log entries at SEVERE (errors, failed loads)."""
        entries = call("POST", at + "/se/log", {"type": "browser"})
        for e in entries:
            print(f"  browser log: {e['level']} {e['message'][:200]}")
        return [e for e in entries if e["level"] == "SEVERE"]

    def screenshot(name):
        path = shots / name
        path.write_bytes(base64.b64decode(call("GET", at + "/screenshot")))
        image = Image.open(path).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 20) or []
        # A blank page is one colour (or a few of anti-aliasing); a table
        # or plots have many.
        if len(colours) < 50:
            fail(f"{name}: {image.size} with {len(colours)} colours: blank")
        print(f"ok: screenshot {path} {image.size[0]}x{image.size[1]}, {len(colours)} colours")

    print("== the fleet")
    open_view("#/")
    row = run("const r = document.querySelector(`#fleet tr[data-server-id='${arguments[0]}']`);"
              " return r ? [...r.cells].map((c) => c.textContent) : null;", server)
    if not row:
        fail(f"the fleet table has no row of server {server}")
    if row[1] != "up":
        fail(f"the fleet shows server {server} as {row[1]!r}: {row}")
    cards = run("return document.querySelector('#card-agents-pushing .value').textContent;")
    if cards != "1":
        fail(f"the fleet's pipeline cards say {cards!r} agents pushing, not 1")
    print(f"ok: fleet row {row}")
    # Sorted by a click on a heading (the table is drawn again).
    run("document.querySelector(\"th[data-key='cpu_usage_percent']\").click();")
    deadline = time.time() + 15
    while run("const th = document.querySelector('#fleet th.sorted');"
              " return th ? th.dataset.key : null;") != "cpu_usage_percent":
        if time.time() > deadline:
            fail("a click on the CPU % heading did not sort the fleet by it")
        time.sleep(0.2)
    print("ok: the fleet sorted by CPU % on a click")
    screenshot("page-fleet.png")

    print("== one server")
    open_view(f"#/server/{server}")
    if run("return document.getElementById('server-name').getAttribute('data-server-id');") != server:
        fail("the server view is not of the server asked for")
    plots = run("return [...document.querySelectorAll('.plot')].map((p) => [p.dataset.panel,"
                " p.querySelectorAll('canvas').length, p.dataset.lastValue, p.dataset.lastTimeMs]);")
    print(f"  plots: {plots}")
    panels = {p[0]: p for p in plots}
    for want in ("cpu", "memory", "filesystem", "network", "load"):
        if want not in panels or panels[want][1] < 1:
            fail(f"the server view has no {want} plot drawn: {plots}")
    last_value, last_ms = float(panels["cpu"][2]), int(panels["cpu"][3])
    # The same figure, as sql/queries/cpu_usage_percent.sql computes it.
    rows = subprocess.run(
        ["psql", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-v", f"server_id={server}",
         "-v", "window=1 hour", dsn, "-f", f"{src}/sql/queries/cpu_usage_percent.sql"],
        check=True, capture_output=True, text=True, env={**os.environ, "PGTZ": "UTC"}).stdout
    by_ms = {}
    for line in rows.splitlines():
        stamp, value = line.split("|")
        by_ms[round(datetime.fromisoformat(stamp).timestamp() * 1000)] = float(value)
    if last_ms not in by_ms:
        fail(f"no row of cpu_usage_percent.sql at the plot's last time {last_ms}: "
             f"{sorted(by_ms)[-3:]}")
    expected = by_ms[last_ms]
    if abs(expected - last_value) > 1e-9 * max(1.0, abs(expected)):
        fail(f"the CPU plot's last value {last_value} is not the query's {expected}")
    print(f"ok: the CPU plot's last value {last_value} at {last_ms} = cpu_usage_percent.sql's")
    # By mode: stacked, one series per mode.
    run("document.getElementById('cpu-mode').click();")
    deadline = time.time() + 30
    modes = 0
    while time.time() < deadline and modes < 2:
        modes = run("const p = document.querySelector(\".plot[data-panel='cpu_modes']\");"
                    " return p && p.querySelector('canvas') ? p.querySelectorAll('.u-legend th').length : 0;")
        time.sleep(0.2)
    if modes < 2:
        fail(f"the CPU by mode plot has {modes} series")
    print(f"ok: CPU by mode, {modes} legend entries")
    screenshot("page-server.png")

    print("== the pipeline")
    open_view("#/pipeline")
    names = run("return [...document.querySelectorAll('#pipeline td:first-child')].map((c) => c.textContent);")
    if "nodepulse_digest_rows_total" not in names:
        fail(f"the pipeline table lacks nodepulse_digest_rows_total: {names}")
    print(f"ok: pipeline table of {len(names)} self-metrics")

    severe = errors()
    if severe:
        fail(f"the browser logged errors: {severe}")
    print("ok: no errors in the browser's log")
finally:
    if session:
        try:
            call("DELETE", f"/session/{session}")
        except SystemExit:
            pass
    driver.send_signal(signal.SIGTERM)
    driver.wait(timeout=10)

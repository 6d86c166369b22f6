// The Node Pulse page: a thin client of the digest's JSON endpoints
// (docs/web-page.md). Three views by the URL's fragment: #/ the fleet,
// #/server/ID one server's plots, #/pipeline the pipeline's health. Plots
// are uPlot's; this file only wires data into them.
"use strict";

const view = document.getElementById("view");
const statusLine = document.getElementById("status");
let refreshTimer = null;
let plots = [];

// ---- the endpoints ----------------------------------------------------

async function api(path) {
  const headers = {};
  const token = localStorage.getItem("nodepulse.token");
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (response.status === 401) {
    document.getElementById("token-form").hidden = false;
    throw new Error("a reader token is needed: " + body.error);
  }
  if (!response.ok) throw new Error(path + ": " + response.status + " " + body.error);
  return body;
}

document.getElementById("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  localStorage.setItem("nodepulse.token", document.getElementById("token").value);
  document.getElementById("token-form").hidden = true;
  route();
});

// ---- formatting -------------------------------------------------------

function fixed(v, digits) { return v === null || v === undefined ? "–" : v.toFixed(digits); }

function ago(ms) {
  if (!ms) return "never";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 120) return s + " s ago";
  if (s < 7200) return Math.round(s / 60) + " min ago";
  if (s < 172800) return Math.round(s / 3600) + " h ago";
  return Math.round(s / 86400) + " days ago";
}

function bytes(v) {
  if (v === null || v === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return v.toFixed(1) + " " + units[i];
}

function element(tag, attributes, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function showError(error) {
  view.replaceChildren(element("p", { class: "error" }, error.message));
  statusLine.textContent = "";
}

// ---- the fleet --------------------------------------------------------

const fleetColumns = [
  { key: "hostname", title: "Server", text: (s) => s.hostname || s.server_id },
  { key: "up", title: "State", text: (s) => (s.up ? "up" : "down") },
  { key: "last_push_ms", title: "Last push", text: (s) => ago(s.last_push_ms) },
  { key: "cpu_usage_percent", title: "CPU %", text: (s) => fixed(s.cpu_usage_percent, 1) },
  { key: "memory_used_percent", title: "Memory %", text: (s) => fixed(s.memory_used_percent, 1) },
  { key: "root_disk_used_percent", title: "Root disk %", text: (s) => fixed(s.root_disk_used_percent, 1) },
  { key: "load1", title: "Load", text: (s) => fixed(s.load1, 2) },
  { key: "uptime_days", title: "Uptime (days)", text: (s) => fixed(s.uptime_days, 1) },
];
let fleetSort = { key: "hostname", ascending: true };

function compare(a, b) {
  const x = a[fleetSort.key], y = b[fleetSort.key];
  if (x === y) return 0;
  if (x === null || x === undefined) return 1;
  if (y === null || y === undefined) return -1;
  const order = x < y ? -1 : 1;
  return fleetSort.ascending ? order : -order;
}

function pipelineCards(p) {
  const m = p.metrics;
  const value = (name) => (m[name] ? m[name].value : null);
  const rate = (name) => (m[name] ? m[name].per_second : null);
  const lagSum = rate("nodepulse_digest_lag_seconds_sum"), lagCount = rate("nodepulse_digest_lag_seconds_count");
  const cards = [
    ["agents-pushing", "agents pushing", fixed(value("agents_pushing"), 0)],
    ["pushes", "pushes / s", fixed(rate("nodepulse_ingest_pushes_total"), 2)],
    ["backlog", "stream backlog", fixed(value("nodepulse_digest_stream_length") ?? value("nodepulse_ingest_stream_backlog"), 0)],
    ["pending", "pending in digest", fixed(value("nodepulse_digest_pending_entries"), 0)],
    ["dead-letters", "dead letters", fixed(value("nodepulse_digest_dead_letter_length"), 0)],
    ["lag", "digest lag (s, mean)", lagCount ? fixed(lagSum / lagCount, 3) : "–"],
    ["rows", "rows / s", fixed(rate("nodepulse_digest_rows_total"), 0)],
  ];
  return element("div", { class: "cards" }, ...cards.map(([id, label, v]) =>
    element("div", { class: "card", id: "card-" + id },
      element("div", { class: "value" }, v), element("div", { class: "label" }, label))));
}

async function showFleet() {
  const [fleet, pipeline] = await Promise.all([api("api/fleet"), api("api/pipeline")]);
  const up = fleet.servers.filter((s) => s.up).length;
  const head = element("tr", {}, ...fleetColumns.map((c) => {
    const th = element("th", { "data-key": c.key }, c.title);
    if (c.key === fleetSort.key) th.className = "sorted" + (fleetSort.ascending ? " asc" : "");
    th.addEventListener("click", () => {
      fleetSort = { key: c.key, ascending: c.key === fleetSort.key ? !fleetSort.ascending : true };
      route();
    });
    return th;
  }));
  const rows = [...fleet.servers].sort(compare).map((s) => {
    const link = element("a", { href: "#/server/" + s.server_id }, fleetColumns[0].text(s));
    const cells = fleetColumns.slice(1).map((c) =>
      element("td", c.key === "up" ? { class: s.up ? "up" : "down" } : {}, c.text(s)));
    return element("tr", { "data-server-id": s.server_id }, element("td", {}, link), ...cells);
  });
  view.replaceChildren(
    element("h1", {}, `Fleet: ${fleet.servers.length} servers, ${up} up`),
    pipelineCards(pipeline),
    fleet.servers.length
      ? element("table", { id: "fleet" }, element("thead", {}, head), element("tbody", {}, ...rows))
      : element("p", { class: "empty" }, "No server has pushed yet."));
  statusLine.textContent = "updated " + new Date().toLocaleTimeString() +
    ` · down after ${fleet.down_after_seconds} s without a push`;
  refreshTimer = setTimeout(() => showFleet().catch(showError), 10000);
}

// ---- the pipeline -----------------------------------------------------

async function showPipeline() {
  const p = await api("api/pipeline");
  const names = Object.keys(p.metrics).sort();
  const rows = names.map((n) => element("tr", {},
    element("td", {}, n), element("td", {}, fixed(p.metrics[n].value, 3)),
    element("td", {}, fixed(p.metrics[n].per_second, 3))));
  view.replaceChildren(
    element("h1", {}, "Pipeline"),
    pipelineCards(p),
    names.length > 1
      ? element("table", { id: "pipeline" },
          element("thead", {}, element("tr", {}, element("th", {}, "self-metric"),
            element("th", {}, "newest"), element("th", {}, `per second over ${p.window_seconds / 60} min`))),
          element("tbody", {}, ...rows))
      : element("p", { class: "empty" },
          "No self-metrics stored: have an agent scrape the ingest's and the digest's /metrics."));
  statusLine.textContent = "updated " + new Date().toLocaleTimeString();
  refreshTimer = setTimeout(() => showPipeline().catch(showError), 10000);
}

// ---- one server -------------------------------------------------------

let serverRange = "1h";
let cpuStacked = false;
const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

// One x axis for series with their own times: the union, nulls where a
// series has no point.
function align(series, figures) {
  const times = [...new Set(series.flatMap((s) => s.t_ms))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = [];
  for (const s of series) {
    for (const f of figures) {
      const column = new Array(times.length).fill(null);
      s.t_ms.forEach((t, i) => { column[index.get(t)] = s[f][i]; });
      columns.push({ label: figures.length > 1 && series.length > 1 ? `${s.name} ${f}` : series.length > 1 ? s.name : f, values: column });
    }
  }
  return { x: times.map((t) => t / 1000), columns };
}

function drawPlot(container, title, panel, columns, x, options) {
  const box = element("div", { class: "plot", "data-panel": panel });
  box.append(element("h2", {}, title));
  container.append(box);
  if (!x.length) {
    box.append(element("p", { class: "empty" }, "no data in this range"));
    return;
  }
  const last = columns[0].values[columns[0].values.length - 1];
  box.setAttribute("data-last-time-ms", String(Math.round(x[x.length - 1] * 1000)));
  box.setAttribute("data-last-value", last === null ? "" : String(last));
  const width = Math.max(400, box.clientWidth - 16);
  const plot = new uPlot({
    width, height: 240,
    series: [{}, ...columns.map((c, i) => ({
      label: c.label, stroke: palette[i % palette.length], width: 1.5,
      fill: options.fill ? palette[i % palette.length] + "55" : undefined,
      value: options.value ? (u, v, si, di) => options.value(si - 1, di) : (u, v) => options.format(v),
    }))],
    bands: options.bands,
    axes: [{}, { values: (u, ticks) => ticks.map(options.format), size: 84 }],
  }, [x, ...columns.map((c) => c.values)], box);
  plots.push(plot);
}

async function showServer(id) {
  const info = await api(`api/servers/${id}`);
  const q = `?range=${serverRange}&points=${Math.min(1200, Math.max(200, Math.floor(window.innerWidth / 1.5)))}`;
  const panelNames = [cpuStacked ? "cpu_modes" : "cpu", "memory", "filesystem", "network", "load"];
  const data = await Promise.all(panelNames.map((p) => api(`api/servers/${id}/${p}${q}`)));
  const s = info.server;
  const controls = element("div", { class: "controls" },
    ...["1h", "24h", "7d"].map((r) => {
      const b = element("button", { class: r === serverRange ? "active" : "", "data-range": r }, r);
      b.addEventListener("click", () => { serverRange = r; route(); });
      return b;
    }),
    (() => {
      const b = element("button", { id: "cpu-mode", class: cpuStacked ? "active" : "" }, "CPU by mode");
      b.addEventListener("click", () => { cpuStacked = !cpuStacked; route(); });
      return b;
    })(),
    element("span", {}, `${s.up ? "up" : "down"} · last push ${ago(s.last_push_ms)} · step ${data[0].step_seconds} s`));
  const grid = element("div", { class: "plots" });
  view.replaceChildren(element("h1", { id: "server-name", "data-server-id": s.server_id }, s.hostname || s.server_id), controls, grid);
  const percent = (v) => fixed(v, 1) + " %";
  const [cpu, memory, filesystem, network, load] = data;
  if (cpuStacked) {
    // Stacked: each mode drawn on top of the ones before; the legend shows
    // the mode's own share.
    // idle on top, so the busy modes sit on the axis.
    const modes = [...cpu.series].sort((x, y) => (x.name === "idle") - (y.name === "idle"));
    const a = align(modes, ["cpu_percent"]);
    const raw = a.columns.map((c) => c.values);
    const stacked = [];
    raw.forEach((values, i) => stacked.push(values.map((v, j) => (v ?? 0) + (i ? stacked[i - 1][j] : 0))));
    const columns = a.columns.map((c, i) => ({ label: c.label, values: stacked[i] }));
    const bands = columns.slice(1).map((c, i) => ({ series: [i + 2, i + 1] }));
    drawPlot(grid, "CPU by mode (%, stacked)", "cpu_modes", columns, a.x,
      { fill: true, bands, format: percent, value: (si, di) => (di === null ? "–" : percent(raw[si][di])) });
  } else {
    const a = align(cpu.series, ["cpu_usage_percent"]);
    drawPlot(grid, "CPU used (%)", "cpu", a.columns, a.x, { format: percent });
  }
  const mem = align(memory.series, ["memory_used_mb", "memory_total_mb"]);
  drawPlot(grid, "Memory (used, total)", "memory", mem.columns, mem.x, { format: (v) => bytes(v === null ? null : v * 1048576) });
  const fs = align(filesystem.series, ["disk_used_gb", "disk_total_gb"]);
  drawPlot(grid, "Root filesystem (used, size)", "filesystem", fs.columns, fs.x, { format: (v) => bytes(v === null ? null : v * 1073741824) });
  const net = align(network.series, ["receive_bytes_per_second", "transmit_bytes_per_second"]);
  net.columns.forEach((c) => { c.label = c.label.replace("receive_bytes_per_second", "rx").replace("transmit_bytes_per_second", "tx"); });
  drawPlot(grid, "Network (per interface, bytes/s)", "network", net.columns, net.x, { format: (v) => bytes(v) + "/s" });
  const ld = align(load.series, ["load1", "load5", "load15"]);
  drawPlot(grid, "Load", "load", ld.columns, ld.x, { format: (v) => fixed(v, 2) });
  statusLine.textContent = "updated " + new Date().toLocaleTimeString();
  refreshTimer = setTimeout(route, serverRange === "1h" ? 15000 : 60000);
}

// ---- routing ----------------------------------------------------------

function route() {
  clearTimeout(refreshTimer);
  plots.forEach((p) => p.destroy());
  plots = [];
  const hash = location.hash || "#/";
  document.getElementById("nav-fleet").className = hash === "#/" ? "active" : "";
  document.getElementById("nav-pipeline").className = hash === "#/pipeline" ? "active" : "";
  const server = hash.match(/^#\/server\/([0-9a-fA-F-]{36})$/);
  const shown = server ? showServer(server[1]) : hash === "#/pipeline" ? showPipeline() : showFleet();
  shown.then(() => document.body.setAttribute("data-loaded", hash)).catch(showError);
}

window.addEventListener("hashchange", route);
route();

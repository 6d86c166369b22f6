-- wrk script: POST one real node_exporter body to ingest, each request as
-- one of N servers (distinct server_id), keep-alive.
-- Usage: wrk -s ingest_post.lua URL -- BODY_FILE PATH_PREFIX [SERVERS]
--   PATH_PREFIX is the target up to the server id, e.g.
--   /metrics/prometheus?server_id=  or  /api/v1/import/prometheus?extra_label=server_id=
local body, prefix, servers
local counter = 0

function init(args)
  local f = assert(io.open(args[1], "rb"))
  body = f:read("*a")
  f:close()
  prefix = args[2]
  servers = tonumber(args[3] or "1000")
  counter = math.random(0, servers - 1)
end

function request()
  counter = (counter + 1) % servers
  local id = string.format("00000000-0000-4000-8000-%012d", counter)
  return wrk.format("POST", prefix .. id,
                    {["Content-Type"] = "text/plain; version=0.0.4"}, body)
end

function done(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d non-2xx/3xx (wrk's count), errors %d connect %d read %d write %d timeout\n",
                         summary.requests, summary.errors.status, summary.errors.connect,
                         summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("wrk: latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                         latency:percentile(50) / 1000, latency:percentile(99) / 1000,
                         latency.max / 1000))
end

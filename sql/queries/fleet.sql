-- Every server that ever pushed, one row each: its last push and, from its
-- two newest scrapes within `fresh`, the figures of the fleet table:
--   cpu_usage_percent   100 * (1 - Δidle / Δ(all modes)), as cpu_usage_percent.sql
--   memory_used_percent 100 * (MemTotal - MemAvailable) / MemTotal, as memory.sql
--   root_disk_used_percent 100 * (size - avail) / size of "/", as root_filesystem.sql
--   load1, uptime_days  as load.sql and uptime.sql
-- A figure is NULL when its samples are not within `fresh` (a server that
-- stopped pushing, or an exporter that does not give it).
-- psql variable: fresh (interval, e.g. '2 minutes').
WITH wanted AS (
  SELECT x.series_id, x.server_id, m.metric_name, x.labels->>'mode' AS mode
    FROM admiral.metrics m
    JOIN admiral.series x ON x.metric_id = m.metric_id
   WHERE m.metric_name IN ('node_cpu_seconds_total', 'node_memory_MemTotal_bytes',
                           'node_memory_MemAvailable_bytes', 'node_filesystem_size_bytes',
                           'node_filesystem_avail_bytes', 'node_load1', 'node_boot_time_seconds')
     AND x.last_seen >= ((now() - :'fresh'::interval) AT TIME ZONE 'UTC')::date
     AND (m.metric_name NOT LIKE 'node\_filesystem\_%' OR x.labels->>'mountpoint' = '/')
), newest AS (
  -- Each series' newest sample and the one before it, from the hot tier:
  -- compaction takes only block periods that are over, so a server's latest
  -- scrapes are always there.
  SELECT w.server_id, w.metric_name, w.mode, h.timestamp, h.value, h.previous
    FROM wanted w
    CROSS JOIN LATERAL (
      SELECT max(timestamp) AS timestamp,
             (array_agg(value ORDER BY timestamp DESC))[1] AS value,
             (array_agg(value ORDER BY timestamp DESC))[2] AS previous
        FROM (SELECT timestamp, value FROM admiral.samples_hot
               WHERE series_id = w.series_id AND timestamp > now() - :'fresh'::interval
               ORDER BY timestamp DESC LIMIT 2) two) h
   WHERE h.timestamp IS NOT NULL
), cpu AS (
  -- Each series' delta between those two, summed per server.
  SELECT server_id,
         100 * (1 - sum(delta) FILTER (WHERE mode = 'idle') / nullif(sum(delta), 0))
           AS cpu_usage_percent
    FROM (SELECT server_id, mode,
                 CASE WHEN value >= previous THEN value - previous ELSE value END AS delta
            FROM newest
           WHERE metric_name = 'node_cpu_seconds_total' AND previous IS NOT NULL) d
   GROUP BY server_id
), latest AS (
  SELECT server_id,
         max(value) FILTER (WHERE metric_name = 'node_memory_MemTotal_bytes') AS mem_total,
         max(value) FILTER (WHERE metric_name = 'node_memory_MemAvailable_bytes') AS mem_available,
         max(value) FILTER (WHERE metric_name = 'node_filesystem_size_bytes') AS disk_size,
         max(value) FILTER (WHERE metric_name = 'node_filesystem_avail_bytes') AS disk_avail,
         max(value) FILTER (WHERE metric_name = 'node_load1') AS load1,
         max(extract(epoch FROM timestamp) - value)
           FILTER (WHERE metric_name = 'node_boot_time_seconds') / 86400 AS uptime_days
    FROM newest WHERE metric_name <> 'node_cpu_seconds_total'
   GROUP BY server_id
)
SELECT s.id AS server_id, s.hostname, s.last_seen AS last_push, c.cpu_usage_percent,
       100 * (l.mem_total - l.mem_available) / nullif(l.mem_total, 0) AS memory_used_percent,
       100 * (l.disk_size - l.disk_avail) / nullif(l.disk_size, 0) AS root_disk_used_percent,
       l.load1, l.uptime_days
  FROM admiral.servers s
  LEFT JOIN latest l ON l.server_id = s.id
  LEFT JOIN cpu c ON c.server_id = s.id
 ORDER BY s.hostname, s.id;

-- CPU time by mode, in % of all cores' time, one row per scrape interval
-- and mode (the stacked form of cpu_usage_percent.sql: the modes of one
-- interval add up to 100, and 100 minus idle is cpu_usage_percent):
--   100 * Δmode / Δ(all modes)
-- A counter that went down (the host rebooted) counts from zero.
-- psql variables: server_id (uuid), window (interval, e.g. '1 hour').
-- Series are told apart by their labels' text, byte for byte: the same
-- partitions as by the jsonb, sorted 2.3 times faster (docs/benchmarks.md).
WITH cpu AS (
  SELECT timestamp, labels->>'mode' AS mode, value,
         lag(value) OVER (PARTITION BY labels::text COLLATE "C" ORDER BY timestamp) AS previous
    FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
   WHERE server_id = :'server_id'
     AND metric_name = 'node_cpu_seconds_total'
     AND timestamp > now() - :'window'::interval
), deltas AS (
  SELECT timestamp, mode,
         CASE WHEN value >= previous THEN value - previous ELSE value END AS delta
    FROM cpu
   WHERE previous IS NOT NULL
)
SELECT timestamp, mode,
       100 * sum(delta) / nullif(sum(sum(delta)) OVER (PARTITION BY timestamp), 0)
         AS cpu_percent
  FROM deltas
 GROUP BY timestamp, mode
 ORDER BY timestamp, mode;

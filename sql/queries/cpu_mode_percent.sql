-- CPU time by mode, in % of all cores' time, one row per scrape interval
-- and mode (the stacked form of cpu_usage_percent.sql: the modes of one
-- interval add up to 100, and 100 minus idle is cpu_usage_percent):
--   100 * Δmode / Δ(all modes)
-- As in cpu_usage_percent.sql, each scrape's counters are summed per mode
-- over all cores before the deltas are taken; a sum that went down (the
-- host rebooted) counts from zero, and an interval in which a mode's
-- number of series changed is left out.
-- psql variables: server_id (uuid), window (interval, e.g. '1 hour').
-- Modes are compared byte for byte (COLLATE "C"): sorted faster than in
-- the database's collation, docs/benchmarks.md.
WITH per_scrape AS (
  SELECT timestamp, (labels->>'mode') COLLATE "C" AS mode, count(*) AS series,
         sum(value) AS seconds
    FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
   WHERE server_id = :'server_id'
     AND metric_name = 'node_cpu_seconds_total'
     AND timestamp > now() - :'window'::interval
   GROUP BY 1, 2
), with_previous AS (
  SELECT timestamp, mode, series, seconds,
         lag(series) OVER w AS previous_series, lag(seconds) OVER w AS previous_seconds
    FROM per_scrape
  WINDOW w AS (PARTITION BY mode ORDER BY timestamp)
), deltas AS (
  SELECT timestamp, mode,
         CASE WHEN seconds >= previous_seconds THEN seconds - previous_seconds ELSE seconds END
           AS delta
    FROM with_previous
   WHERE series = previous_series
)
SELECT timestamp, mode,
       100 * delta / nullif(sum(delta) OVER (PARTITION BY timestamp), 0) AS cpu_percent
  FROM deltas
 ORDER BY timestamp, mode;

-- The plan's cpu_usage_percent: CPU usage of all cores together, one row
-- per scrape interval, from node_cpu_seconds_total:
--   100 * (1 - Δidle / Δ(all modes))
-- Each scrape's counters are summed first (all cores' idle seconds, all
-- cores' seconds of every mode) and the deltas taken of those sums: the
-- same figure as summing each series' delta, with one row per scrape to
-- order instead of one per core and mode (3 times faster on 2 cores,
-- docs/benchmarks.md). The counters of a host reset together (it
-- rebooted): a sum that went down counts from zero. An interval in which
-- the number of series changed (a core brought on- or offline) is left
-- out, since its sums do not compare.
-- psql variables: server_id (uuid), window (interval, e.g. '1 hour').
WITH per_scrape AS (
  SELECT timestamp, count(*) AS series, sum(value) AS seconds,
         sum(value) FILTER (WHERE labels->>'mode' = 'idle') AS idle
    FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
   WHERE server_id = :'server_id'
     AND metric_name = 'node_cpu_seconds_total'
     AND timestamp > now() - :'window'::interval
   GROUP BY timestamp
), with_previous AS (
  SELECT timestamp, series, seconds, idle,
         lag(series) OVER w AS previous_series,
         lag(seconds) OVER w AS previous_seconds,
         lag(idle) OVER w AS previous_idle
    FROM per_scrape
  WINDOW w AS (ORDER BY timestamp)
), deltas AS (
  SELECT timestamp,
         CASE WHEN seconds >= previous_seconds THEN seconds - previous_seconds ELSE seconds END
           AS all_modes,
         CASE WHEN seconds >= previous_seconds THEN idle - previous_idle ELSE idle END AS idle
    FROM with_previous
   WHERE series = previous_series
)
SELECT timestamp, 100 * (1 - idle / nullif(all_modes, 0)) AS cpu_usage_percent
  FROM deltas
 ORDER BY timestamp;

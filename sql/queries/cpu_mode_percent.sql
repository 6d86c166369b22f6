-- CPU time by mode, in % of all cores' time, one row per scrape interval
-- with a column per mode (the stacked form of cpu_usage_percent.sql: the
-- columns of a row add up to 100, and 100 minus idle is cpu_usage_percent):
--   100 * Δmode / Δ(all modes)
-- The modes are those node_exporter reads from Linux; any other (another
-- kernel's) is counted in `other`; a mode the host does not have is NULL.
-- As in cpu_usage_percent.sql, each scrape's counters are summed over all
-- cores before the deltas are taken: one row per scrape to order, where a
-- row per mode made the page's 24-hour plot 1.5 times slower
-- (docs/benchmarks.md). A sum that went down (the host rebooted) counts
-- from zero; an interval in which the number of series changed is left out.
-- psql variables: server_id (uuid), window (interval, e.g. '1 hour').
WITH per_scrape AS (
  SELECT timestamp, count(*) AS series, sum(value) AS seconds,
         sum(value) FILTER (WHERE mode = 'user') AS "user",
         sum(value) FILTER (WHERE mode = 'nice') AS nice,
         sum(value) FILTER (WHERE mode = 'system') AS system,
         sum(value) FILTER (WHERE mode = 'idle') AS idle,
         sum(value) FILTER (WHERE mode = 'iowait') AS iowait,
         sum(value) FILTER (WHERE mode = 'irq') AS irq,
         sum(value) FILTER (WHERE mode = 'softirq') AS softirq,
         sum(value) FILTER (WHERE mode = 'steal') AS steal,
         sum(value) FILTER (WHERE mode NOT IN ('user', 'nice', 'system', 'idle', 'iowait',
                                               'irq', 'softirq', 'steal')) AS other
    -- OFFSET 0 keeps this subquery whole, so each row's mode is read from
    -- its labels once rather than once per column (1.4 times faster).
    FROM (SELECT timestamp, value, labels->>'mode' AS mode
            FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
           WHERE server_id = :'server_id'
             AND metric_name = 'node_cpu_seconds_total'
             AND timestamp > now() - :'window'::interval
          OFFSET 0) cpu
   GROUP BY timestamp
), with_previous AS (
  SELECT per_scrape.*,
         lag(series) OVER w AS previous_series, lag(seconds) OVER w AS previous_seconds,
         lag("user") OVER w AS previous_user, lag(nice) OVER w AS previous_nice,
         lag(system) OVER w AS previous_system, lag(idle) OVER w AS previous_idle,
         lag(iowait) OVER w AS previous_iowait, lag(irq) OVER w AS previous_irq,
         lag(softirq) OVER w AS previous_softirq, lag(steal) OVER w AS previous_steal,
         lag(other) OVER w AS previous_other
    FROM per_scrape
  WINDOW w AS (ORDER BY timestamp)
), deltas AS (
  -- kept: 1, or 0 after a reboot (the sums went down): counted from zero.
  SELECT *, 100 / nullif(seconds - kept * previous_seconds, 0) AS percent_per_cpu_second
    FROM (SELECT *, CASE WHEN seconds >= previous_seconds THEN 1 ELSE 0 END AS kept
            FROM with_previous
           WHERE series = previous_series) continued
)
SELECT timestamp,
       ("user" - kept * previous_user) * percent_per_cpu_second AS "user",
       (nice - kept * previous_nice) * percent_per_cpu_second AS nice,
       (system - kept * previous_system) * percent_per_cpu_second AS system,
       (idle - kept * previous_idle) * percent_per_cpu_second AS idle,
       (iowait - kept * previous_iowait) * percent_per_cpu_second AS iowait,
       (irq - kept * previous_irq) * percent_per_cpu_second AS irq,
       (softirq - kept * previous_softirq) * percent_per_cpu_second AS softirq,
       (steal - kept * previous_steal) * percent_per_cpu_second AS steal,
       (other - kept * previous_other) * percent_per_cpu_second AS other
  FROM deltas
 ORDER BY timestamp;

-- The pipeline's health from its nodes' own self-metrics, as stored when an
-- agent scrapes the ingest's and the digest's /metrics (scripts/dev's agent
-- does; docs/web-page.md says how in a deployment), one row per metric:
-- the newest value (summed over its series and the nodes that give it) and
-- its increase per second over `window` (counters: pushes, samples, rows).
-- Agents pushing comes from admiral.servers: those whose last push is
-- within `fresh`.
-- psql variables: window (interval, e.g. '5 minutes'), fresh (interval, e.g. '1 minute').
WITH samples AS (
  SELECT metric_name, labels, server_id, timestamp, value
    FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
   WHERE metric_name IN ('nodepulse_ingest_pushes_total', 'nodepulse_ingest_samples_accepted_total',
                         'nodepulse_ingest_samples_rejected_total',
                         'nodepulse_ingest_stream_backlog', 'nodepulse_ingest_stream_reachable',
                         'nodepulse_digest_stream_length', 'nodepulse_digest_pending_entries',
                         'nodepulse_digest_dead_letter_length', 'nodepulse_digest_rows_total',
                         'nodepulse_digest_lag_seconds_sum', 'nodepulse_digest_lag_seconds_count',
                         'nodepulse_digest_database_reachable', 'nodepulse_digest_stream_reachable')
     AND timestamp > now() - :'window'::interval
), per_series AS (
  SELECT metric_name,
         (array_agg(value ORDER BY timestamp DESC))[1] AS newest,
         (array_agg(value ORDER BY timestamp))[1] AS oldest,
         extract(epoch FROM max(timestamp) - min(timestamp)) AS seconds
    FROM samples
   GROUP BY metric_name, server_id, labels
)
SELECT metric_name, sum(newest) AS value,
       sum(CASE WHEN seconds > 0 AND newest >= oldest THEN (newest - oldest) / seconds END)
         AS per_second
  FROM per_series
 GROUP BY metric_name
UNION ALL
SELECT 'agents_pushing', count(*) FILTER (WHERE last_seen > now() - :'fresh'::interval), NULL
  FROM admiral.servers
 ORDER BY 1;

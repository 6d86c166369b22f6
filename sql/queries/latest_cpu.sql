-- The plan's example dashboard query: the latest CPU metrics of a server,
-- reading only the blocks of the last five minutes (the plan's text reads
-- admiral.metric_samples; both give the same rows).
-- psql variable: server_id (uuid).
SELECT
    labels->>'cpu' as cpu_core,
    labels->>'mode' as cpu_mode,
    value,
    timestamp
FROM admiral.metric_samples_between(NOW() - INTERVAL '5 minutes', 'infinity')
WHERE server_id = :'server_id'
  AND metric_name = 'node_cpu_seconds_total'
  AND timestamp > NOW() - INTERVAL '5 minutes'
ORDER BY timestamp DESC
LIMIT 100;

-- The load averages over 1, 5 and 15 minutes, one row per scrape.
-- psql variables: server_id (uuid), window (interval, e.g. '1 hour').
SELECT timestamp,
       max(value) FILTER (WHERE metric_name = 'node_load1') AS load1,
       max(value) FILTER (WHERE metric_name = 'node_load5') AS load5,
       max(value) FILTER (WHERE metric_name = 'node_load15') AS load15
  FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
 WHERE server_id = :'server_id'
   AND metric_name IN ('node_load1', 'node_load5', 'node_load15')
   AND timestamp > now() - :'window'::interval
 GROUP BY timestamp
 ORDER BY timestamp;

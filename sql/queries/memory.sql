-- The plan's memory_total_mb and memory_used_mb, one row per scrape:
-- used = MemTotal - MemAvailable; MB = 2^20 bytes.
-- psql variables: server_id (uuid), window (interval, e.g. '1 hour').
SELECT timestamp,
       max(value) FILTER (WHERE metric_name = 'node_memory_MemTotal_bytes') / 1048576
         AS memory_total_mb,
       (max(value) FILTER (WHERE metric_name = 'node_memory_MemTotal_bytes')
        - max(value) FILTER (WHERE metric_name = 'node_memory_MemAvailable_bytes')) / 1048576
         AS memory_used_mb
  FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
 WHERE server_id = :'server_id'
   AND metric_name IN ('node_memory_MemTotal_bytes', 'node_memory_MemAvailable_bytes')
   AND timestamp > now() - :'window'::interval
 GROUP BY timestamp
 ORDER BY timestamp;

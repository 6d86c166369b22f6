-- The plan's uptime_days, one row per scrape: the scrape's time minus
-- node_boot_time_seconds, in days.
-- psql variables: server_id (uuid), window (interval, e.g. '1 hour').
SELECT timestamp,
       (extract(epoch FROM timestamp)::double precision - value) / 86400 AS uptime_days
  FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
 WHERE server_id = :'server_id'
   AND metric_name = 'node_boot_time_seconds'
   AND timestamp > now() - :'window'::interval
 ORDER BY timestamp;

-- The plan's disk_total_gb and disk_used_gb for the root filesystem
-- (mountpoint "/"), one row per scrape: used = size - avail; GB = 2^30 bytes.
-- disk_df_used_gb is what df prints as Used: size - free, which leaves out
-- the blocks reserved for root (and, on some filesystems, space that is
-- neither used nor available to users) that the plan's figure counts.
-- psql variables: server_id (uuid), window (interval, e.g. '1 hour').
SELECT timestamp,
       max(value) FILTER (WHERE metric_name = 'node_filesystem_size_bytes') / 1073741824
         AS disk_total_gb,
       (max(value) FILTER (WHERE metric_name = 'node_filesystem_size_bytes')
        - max(value) FILTER (WHERE metric_name = 'node_filesystem_avail_bytes')) / 1073741824
         AS disk_used_gb,
       (max(value) FILTER (WHERE metric_name = 'node_filesystem_size_bytes')
        - max(value) FILTER (WHERE metric_name = 'node_filesystem_free_bytes')) / 1073741824
         AS disk_df_used_gb
  FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
 WHERE server_id = :'server_id'
   AND metric_name IN ('node_filesystem_size_bytes', 'node_filesystem_avail_bytes',
                       'node_filesystem_free_bytes')
   AND labels->>'mountpoint' = '/'
   AND timestamp > now() - :'window'::interval
 GROUP BY timestamp
 ORDER BY timestamp;

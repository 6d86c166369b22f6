-- Bytes received and sent per second on each network device but loopback,
-- one row per scrape interval and device, from the deltas of
-- node_network_{receive,transmit}_bytes_total over the time between the
-- two scrapes (network.sql gives the same deltas summed over devices).
-- A counter that went down (reboot, device reset) counts from zero.
-- psql variables: server_id (uuid), window (interval, e.g. '1 hour').
-- Series are told apart by their labels' text, byte for byte: the same
-- partitions as by the jsonb, sorted 2.3 times faster (docs/benchmarks.md).
WITH net AS (
  SELECT timestamp, labels->>'device' AS device, metric_name, value,
         lag(value) OVER w AS previous,
         extract(epoch FROM timestamp - lag(timestamp) OVER w) AS seconds
    FROM admiral.metric_samples_between(now() - :'window'::interval, 'infinity')
   WHERE server_id = :'server_id'
     AND metric_name IN ('node_network_receive_bytes_total',
                         'node_network_transmit_bytes_total')
     AND labels->>'device' <> 'lo'
     AND timestamp > now() - :'window'::interval
  WINDOW w AS (PARTITION BY metric_name, labels::text COLLATE "C" ORDER BY timestamp)
), rates AS (
  SELECT timestamp, device, metric_name,
         (CASE WHEN value >= previous THEN value - previous ELSE value END) / seconds AS rate
    FROM net
   WHERE previous IS NOT NULL AND seconds > 0
)
SELECT timestamp, device,
       sum(rate) FILTER (WHERE metric_name = 'node_network_receive_bytes_total')
         AS receive_bytes_per_second,
       sum(rate) FILTER (WHERE metric_name = 'node_network_transmit_bytes_total')
         AS transmit_bytes_per_second
  FROM rates
 GROUP BY timestamp, device
 ORDER BY timestamp, device;

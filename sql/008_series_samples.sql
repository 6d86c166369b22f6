-- 008: the samples of chosen series in a time range, from both tiers: what
-- the digest's remote read endpoint serves a Prometheus (docs/
-- prometheus-remote.md). Series are chosen first (by name and labels, in
-- admiral.series with its GIN index), so this reads only their rows: the
-- hot tier through (series_id, timestamp), the cold tier through the
-- blocks' primary key. [from_ts, to_ts], both ends included, as
-- Prometheus asks; times as milliseconds since the epoch. A timestamp in
-- both tiers (a sample pushed again after its block was written) comes
-- twice; the reader keeps one.
CREATE FUNCTION admiral.series_samples(ids bigint[], from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (series_id bigint, ts_ms bigint, value double precision)
LANGUAGE sql STABLE AS $$
  SELECT h.series_id, (extract(epoch FROM h.timestamp) * 1000)::bigint, h.value
    FROM admiral.samples_hot h
   WHERE h.series_id = ANY (ids) AND h.timestamp >= from_ts AND h.timestamp <= to_ts
  UNION ALL
  SELECT b.series_id, (extract(epoch FROM b.period_start) * 1000)::bigint + x.o, x.v
    FROM admiral.sample_blocks b
    JOIN admiral.block_times t ON t.period_start = b.period_start AND t.times_hash = b.times_hash
    CROSS JOIN LATERAL unnest(t.offsets, b."values") AS x(o, v)
   WHERE b.series_id = ANY (ids)
     AND b.period_start >= admiral.block_start(from_ts) AND b.period_start <= to_ts
     AND t.period_start >= admiral.block_start(from_ts) AND t.period_start <= to_ts
     AND b.period_start + x.o * interval '1 millisecond' >= from_ts
     AND b.period_start + x.o * interval '1 millisecond' <= to_ts
$$;

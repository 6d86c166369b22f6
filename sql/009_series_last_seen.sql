-- 009: resolve_series moves last_seen of the series that existed already,
-- as its comment in 007 promised. It only made the missing ones, so a
-- digest that found a series outside its cache (after a restart) left the
-- series' last_seen at an earlier day until the next UTC day; readers that
-- choose series by last_seen (remote read, the web page's fleet table)
-- missed their samples of the day meanwhile. A series named twice in one
-- call is updated once.
CREATE OR REPLACE FUNCTION admiral.resolve_series(servers uuid[], metric_ids integer[],
                                                  label_sets jsonb[], days date[])
RETURNS TABLE (ord bigint, series_id bigint) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO admiral.series (server_id, metric_id, labels, last_seen)
  SELECT i.s, i.m, i.l, i.d
    FROM unnest(servers, metric_ids, label_sets, days) AS i(s, m, l, d)
    JOIN admiral.metrics m ON m.metric_id = i.m
   ORDER BY i.s, i.m, md5(i.l::text)
  ON CONFLICT DO NOTHING;
  UPDATE admiral.series x SET last_seen = i.d
    FROM unnest(servers, metric_ids, label_sets, days) AS i(s, m, l, d)
   WHERE x.server_id = i.s AND x.metric_id = i.m AND md5(x.labels::text) = md5(i.l::text)
     AND x.labels = i.l AND x.last_seen < i.d;
  RETURN QUERY
  SELECT i.o, x.series_id
    FROM unnest(servers, metric_ids, label_sets) WITH ORDINALITY AS i(s, m, l, o)
    JOIN admiral.series x
      ON x.server_id = i.s AND x.metric_id = i.m AND md5(x.labels::text) = md5(i.l::text)
     AND x.labels = i.l;
END $$;

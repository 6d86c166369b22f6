-- 007: samples stored for months. A row per sample with its labels, HELP
-- and unit costs ~310 bytes; here each metric's metadata and each series'
-- labels are stored once, recent samples as narrow rows (the hot tier) and
-- older ones as one compressed row per series and two hours (the cold
-- tier), ~4 bytes a sample. admiral.metric_samples becomes a view over both
-- with the plan's columns, so every query written against it still runs.
-- docs/storage.md says why and what it measured.

-- How long one cold block spans. Two hours of 15 s scrapes are 480 values,
-- 3.8 KB: over the ~2 KB from which PostgreSQL compresses a row (one hour,
-- 1.9 KB, stays raw). Fixed: blocks of one period length only.
CREATE OR REPLACE FUNCTION admiral.block_start(ts timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT date_bin('2 hours', ts, timestamptz '2000-01-01 00:00:00+00')
$$;

-- A metric as its family declared it. HELP, type or unit changing makes a
-- new row (and so new series): every sample keeps the metadata it came with.
CREATE TABLE admiral.metrics (
  metric_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  metric_name text NOT NULL,
  metric_type text NOT NULL,
  help_text   text,
  unit        text,
  CONSTRAINT metrics_identity UNIQUE NULLS NOT DISTINCT (metric_name, metric_type, help_text, unit)
);

-- One row per series: a server's metric with one label set. jsonb keeps a
-- label set's keys in one order, so sets that differ only in order are one
-- series; the identity is keyed by md5 of that text, since a btree entry
-- must stay under ~2.7 KB and label values need not.
CREATE TABLE admiral.series (
  series_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  server_id uuid NOT NULL,
  metric_id integer NOT NULL REFERENCES admiral.metrics,
  labels    jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_seen date NOT NULL -- UTC day of its newest sample (the digest moves it at most daily)
);
CREATE UNIQUE INDEX series_identity ON admiral.series (server_id, metric_id, md5(labels::text));
CREATE INDEX series_labels ON admiral.series USING GIN (labels);
CREATE INDEX series_metric ON admiral.series (metric_id);
CREATE INDEX series_last_seen ON admiral.series (last_seen);

-- The series of each (server, metric, labels) triple, made if missing,
-- last seen on its day in `days`: ord is the input's position. A triple
-- whose metric the retention removed meanwhile is left out (the digest
-- then forgets the metric ids it keeps and asks again). Several digests at
-- once: ON CONFLICT waits for the other's insert, the lookup after it sees
-- it; rows go in identity order, so two such calls never wait on each
-- other in a circle.
CREATE FUNCTION admiral.resolve_series(servers uuid[], metric_ids integer[], label_sets jsonb[],
                                       days date[])
RETURNS TABLE (ord bigint, series_id bigint) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO admiral.series (server_id, metric_id, labels, last_seen)
  SELECT i.s, i.m, i.l, i.d
    FROM unnest(servers, metric_ids, label_sets, days) AS i(s, m, l, d)
    JOIN admiral.metrics m ON m.metric_id = i.m
   ORDER BY i.s, i.m, md5(i.l::text)
  ON CONFLICT DO NOTHING;
  RETURN QUERY
  SELECT i.o, x.series_id
    FROM unnest(servers, metric_ids, label_sets) WITH ORDINALITY AS i(s, m, l, o)
    JOIN admiral.series x
      ON x.server_id = i.s AND x.metric_id = i.m AND md5(x.labels::text) = md5(i.l::text)
     AND x.labels = i.l;
END $$;

-- Moves each series' last_seen up to its day; answers the ids that are gone.
CREATE FUNCTION admiral.touch_series(ids bigint[], days date[])
RETURNS TABLE (gone bigint) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY
  WITH moved AS (
    UPDATE admiral.series x SET last_seen = greatest(x.last_seen, i.d)
      FROM unnest(ids, days) AS i(id, d)
     WHERE x.series_id = i.id
    RETURNING x.series_id
  )
  SELECT i.id FROM unnest(ids) AS i(id) WHERE i.id NOT IN (SELECT series_id FROM moved);
END $$;

-- The metric of each (name, type, HELP, unit), made if missing.
CREATE FUNCTION admiral.resolve_metrics(names text[], types text[], helps text[], units text[])
RETURNS TABLE (ord bigint, metric_id integer) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO admiral.metrics (metric_name, metric_type, help_text, unit)
  SELECT i.n, i.t, i.h, i.u FROM unnest(names, types, helps, units) AS i(n, t, h, u)
   ORDER BY 1, 2, 3, 4
  ON CONFLICT DO NOTHING;
  RETURN QUERY
  SELECT i.o, m.metric_id
    FROM unnest(names, types, helps, units) WITH ORDINALITY AS i(n, t, h, u, o)
    JOIN admiral.metrics m
      ON m.metric_name = i.n AND m.metric_type = i.t
     AND m.help_text IS NOT DISTINCT FROM i.h AND m.unit IS NOT DISTINCT FROM i.u;
END $$;

-- The hot tier: one narrow row per sample, a partition per block period, so
-- compaction empties whole partitions and drops them.
CREATE TABLE admiral.samples_hot (
  series_id bigint NOT NULL,
  timestamp timestamptz NOT NULL,
  value     double precision NOT NULL
) PARTITION BY RANGE (timestamp);
CREATE TABLE admiral.samples_hot_default PARTITION OF admiral.samples_hot DEFAULT;
CREATE INDEX samples_hot_series_time ON admiral.samples_hot (series_id, timestamp);

-- The cold tier: one row per series and block period, its values in time
-- order. The times of a block live in block_times, once for all the series
-- that share them (every series of one scrape does), by the md5 of the
-- offsets: ms from period_start.
CREATE TABLE admiral.sample_blocks (
  series_id    bigint NOT NULL,
  period_start timestamptz NOT NULL,
  times_hash   uuid NOT NULL,
  samples      integer NOT NULL,
  "values"     double precision[] NOT NULL,
  PRIMARY KEY (series_id, period_start)
) PARTITION BY RANGE (period_start);
CREATE TABLE admiral.sample_blocks_default PARTITION OF admiral.sample_blocks DEFAULT;
ALTER TABLE admiral.sample_blocks ALTER COLUMN "values" SET COMPRESSION lz4;

CREATE TABLE admiral.block_times (
  period_start timestamptz NOT NULL,
  times_hash   uuid NOT NULL,
  offsets      integer[] NOT NULL,
  PRIMARY KEY (period_start, times_hash)
) PARTITION BY RANGE (period_start);
CREATE TABLE admiral.block_times_default PARTITION OF admiral.block_times DEFAULT;
ALTER TABLE admiral.block_times ALTER COLUMN offsets SET COMPRESSION lz4;

-- Makes `part` the partition of `parent` for [lo, hi) if it is missing,
-- moving the rows of that range out of the default partition first.
CREATE FUNCTION admiral.ensure_range_partition(parent text, part text, key text,
                                               lo timestamptz, hi timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('admiral partitions'));
  IF to_regclass(format('admiral.%I', part)) IS NOT NULL THEN
    RETURN part;
  END IF;
  EXECUTE format('CREATE TABLE admiral.%I (LIKE admiral.%I INCLUDING DEFAULTS INCLUDING STORAGE '
                 'INCLUDING COMPRESSION)', part, parent);
  EXECUTE format('WITH moved AS (DELETE FROM admiral.%I WHERE %I >= $1 AND %I < $2 RETURNING *) '
                 'INSERT INTO admiral.%I SELECT * FROM moved',
                 parent || '_default', key, key, part)
    USING lo, hi;
  EXECUTE format('ALTER TABLE admiral.%I ATTACH PARTITION admiral.%I FOR VALUES FROM (%L) TO (%L)',
                 parent, part, lo, hi);
  RETURN part;
END $$;

-- The hot partition of the block period holding `ts`: samples_hot_YYYYMMDD_HH.
CREATE FUNCTION admiral.ensure_hot_partition(ts timestamptz)
RETURNS text LANGUAGE sql AS $$
  SELECT admiral.ensure_range_partition(
    'samples_hot',
    'samples_hot_' || to_char(admiral.block_start(ts) AT TIME ZONE 'UTC', 'YYYYMMDD_HH24'),
    'timestamp', admiral.block_start(ts), admiral.block_start(ts) + interval '2 hours')
$$;

-- The cold partitions (blocks and their times) of the UTC day `day`.
CREATE FUNCTION admiral.ensure_cold_partitions(day date)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  PERFORM admiral.ensure_range_partition('sample_blocks',
    'sample_blocks_' || to_char(day, 'YYYYMMDD'), 'period_start', lo, hi);
  PERFORM admiral.ensure_range_partition('block_times',
    'block_times_' || to_char(day, 'YYYYMMDD'), 'period_start', lo, hi);
END $$;

-- The plan's table, kept as it was until `nodepulse migrate` has moved its
-- rows into the tiers (admiral.move_legacy_samples), then dropped.
ALTER TABLE admiral.metric_samples RENAME TO metric_samples_legacy;
ALTER TABLE admiral.metric_samples_default RENAME TO metric_samples_legacy_default;
DROP FUNCTION admiral.ensure_sample_partition(date);
DROP FUNCTION admiral.drop_sample_partitions_older_than(integer);

-- The plan's columns over the tiers (and the plan's table while it is
-- being moved). Derived: id is series_id * 2^32 + the sample's Unix
-- second (unique unless one series has two samples in a second);
-- created_at is the sample's timestamp (no write time is kept per sample;
-- admiral.accepted_batches has each batch's).
CREATE FUNCTION admiral.define_metric_samples_view(with_legacy boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  tiers text := $q$
    SELECT s.series_id * 4294967296 + floor(extract(epoch FROM h.timestamp))::bigint AS id,
           s.server_id, m.metric_name, m.metric_type, s.labels, h.value, h.timestamp,
           m.help_text, m.unit, h.timestamp AS created_at
      FROM admiral.samples_hot h
      JOIN admiral.series s ON s.series_id = h.series_id
      JOIN admiral.metrics m ON m.metric_id = s.metric_id
    UNION ALL
    SELECT s.series_id * 4294967296 + floor(extract(epoch FROM u.ts))::bigint,
           s.server_id, m.metric_name, m.metric_type, s.labels, u.value, u.ts,
           m.help_text, m.unit, u.ts
      FROM admiral.sample_blocks b
      JOIN admiral.block_times t ON t.period_start = b.period_start AND t.times_hash = b.times_hash
      JOIN admiral.series s ON s.series_id = b.series_id
      JOIN admiral.metrics m ON m.metric_id = s.metric_id
      CROSS JOIN LATERAL (
        SELECT b.period_start + o * interval '1 millisecond' AS ts, v AS value
          FROM unnest(t.offsets, b."values") AS x(o, v)) u
  $q$;
BEGIN
  IF with_legacy THEN
    tiers := tiers || $q$
    UNION ALL
    SELECT id, server_id, metric_name, metric_type, labels, value, timestamp, help_text, unit,
           created_at
      FROM admiral.metric_samples_legacy
    $q$;
  END IF;
  EXECUTE 'CREATE OR REPLACE VIEW admiral.metric_samples AS ' || tiers;
END $$;

SELECT admiral.define_metric_samples_view(true);

-- The view's rows with `timestamp` in [from_ts, to_ts), reading only the
-- blocks of periods that overlap it (the view must read every block of the
-- series it selects). SQL and STABLE, so PostgreSQL inlines it and the
-- caller's conditions on server_id or metric_name reach the indexes.
CREATE FUNCTION admiral.metric_samples_between(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (id bigint, server_id uuid, metric_name text, metric_type text, labels jsonb,
               value double precision, "timestamp" timestamptz, help_text text, unit text,
               created_at timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT s.series_id * 4294967296 + floor(extract(epoch FROM h.timestamp))::bigint,
         s.server_id, m.metric_name, m.metric_type, s.labels, h.value, h.timestamp,
         m.help_text, m.unit, h.timestamp
    FROM admiral.samples_hot h
    JOIN admiral.series s ON s.series_id = h.series_id
    JOIN admiral.metrics m ON m.metric_id = s.metric_id
   WHERE h.timestamp >= from_ts AND h.timestamp < to_ts
  UNION ALL
  SELECT s.series_id * 4294967296 + floor(extract(epoch FROM u.ts))::bigint,
         s.server_id, m.metric_name, m.metric_type, s.labels, u.value, u.ts,
         m.help_text, m.unit, u.ts
    FROM admiral.sample_blocks b
    JOIN admiral.block_times t ON t.period_start = b.period_start AND t.times_hash = b.times_hash
    JOIN admiral.series s ON s.series_id = b.series_id
    JOIN admiral.metrics m ON m.metric_id = s.metric_id
    CROSS JOIN LATERAL (
      SELECT b.period_start + o * interval '1 millisecond' AS ts, v AS value
        FROM unnest(t.offsets, b."values") AS x(o, v)) u
   WHERE b.period_start > admiral.block_start(from_ts) - interval '2 hours'
     AND b.period_start < to_ts
     AND t.period_start > admiral.block_start(from_ts) - interval '2 hours'
     AND t.period_start < to_ts
     AND u.ts >= from_ts AND u.ts < to_ts
$$;

-- Compaction of one block period's hot samples older than `before`, for
-- the series in [first_series, last_series]: they leave the hot tier and
-- join their blocks in one transaction, so a compaction cut short by a
-- kill or a lost database leaves them where they were. A block that exists
-- already (samples that came late, or an earlier compaction with a nearer
-- `before`) is rewritten with both; one value per timestamp survives, the
-- hot one (a sample pushed again under another batch id is not doubled).
-- Answers the blocks written, the samples in them, how many of them were
-- rewritten, and how many hot samples moved.
CREATE FUNCTION admiral.compact_period(period timestamptz, before timestamptz,
                                       first_series bigint, last_series bigint,
                                       OUT blocks integer, OUT samples bigint,
                                       OUT merged integer, OUT moved bigint)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM admiral.ensure_cold_partitions((period AT TIME ZONE 'UTC')::date);
  CREATE TEMP TABLE compacting (
    series_id bigint, offsets integer[], "values" double precision[], times_hash uuid,
    hot_samples bigint
  ) ON COMMIT DROP;
  ALTER TABLE compacting ALTER COLUMN "values" SET COMPRESSION lz4,
                         ALTER COLUMN offsets SET COMPRESSION lz4;
  WITH moved_rows AS (
    DELETE FROM admiral.samples_hot h
     WHERE h.timestamp >= period AND h.timestamp < period + interval '2 hours'
       AND h.timestamp < before
       AND h.series_id BETWEEN first_series AND last_series
    RETURNING h.series_id, h.timestamp, h.value
  ), hot AS (
    SELECT series_id, floor(extract(epoch FROM timestamp - period) * 1000)::integer AS o, value AS v,
           0 AS tier
      FROM moved_rows
  ), hot_counts AS (
    SELECT series_id, count(*) AS n FROM moved_rows GROUP BY series_id
  ), cold AS (
    SELECT b.series_id, x.o, x.v, 1 AS tier
      FROM admiral.sample_blocks b
      JOIN admiral.block_times t ON t.period_start = b.period_start AND t.times_hash = b.times_hash
      CROSS JOIN LATERAL unnest(t.offsets, b."values") AS x(o, v)
     WHERE b.period_start = period AND t.period_start = period
       AND b.series_id BETWEEN first_series AND last_series
       AND b.series_id IN (SELECT series_id FROM hot_counts)
  ), one_each AS (
    SELECT DISTINCT ON (series_id, o) series_id, o, v
      FROM (SELECT * FROM hot UNION ALL SELECT * FROM cold) a
     ORDER BY series_id, o, tier
  )
  INSERT INTO compacting (series_id, offsets, "values", hot_samples)
  SELECT e.series_id, array_agg(e.o ORDER BY e.o), array_agg(e.v ORDER BY e.o), min(c.n)
    FROM one_each e JOIN hot_counts c ON c.series_id = e.series_id
   GROUP BY e.series_id;
  UPDATE compacting SET times_hash = md5(offsets::text)::uuid;
  INSERT INTO admiral.block_times (period_start, times_hash, offsets)
  SELECT DISTINCT ON (c.times_hash) period, c.times_hash, c.offsets FROM compacting c
  ON CONFLICT DO NOTHING;
  SELECT count(*), coalesce(sum(cardinality(c.offsets)), 0), coalesce(sum(c.hot_samples), 0)
    INTO blocks, samples, moved FROM compacting c;
  SELECT count(*) INTO merged
    FROM admiral.sample_blocks b JOIN compacting c ON c.series_id = b.series_id
   WHERE b.period_start = period;
  INSERT INTO admiral.sample_blocks (series_id, period_start, times_hash, samples, "values")
  SELECT c.series_id, period, c.times_hash, cardinality(c.offsets), c."values" FROM compacting c
  ON CONFLICT (series_id, period_start) DO UPDATE
    SET times_hash = EXCLUDED.times_hash, samples = EXCLUDED.samples,
        "values" = EXCLUDED."values";
  DROP TABLE compacting;
END $$;

-- The block periods that have hot samples older than `before`, oldest
-- first, with the range of series ids in each (compaction's work list);
-- and those whose partition is empty and over, to be dropped.
-- Read from the partitions' bounds and the index, not by scanning samples;
-- the default partition (samples nobody made a partition for) is scanned.
CREATE FUNCTION admiral.hot_periods_before(before timestamptz)
RETURNS TABLE (period timestamptz, first_series bigint, last_series bigint, partition_name text)
LANGUAGE plpgsql AS $$
DECLARE
  part record;
  lo bigint;
  hi bigint;
BEGIN
  FOR part IN
    SELECT c.relname,
           to_timestamp(substring(c.relname from 13), 'YYYYMMDD_HH24') AT TIME ZONE 'UTC' AS p
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class r ON r.oid = i.inhparent
      JOIN pg_namespace n ON n.oid = r.relnamespace
     WHERE n.nspname = 'admiral' AND r.relname = 'samples_hot'
       AND c.relname ~ '^samples_hot_[0-9]{8}_[0-9]{2}$'
     ORDER BY 2
  LOOP
    CONTINUE WHEN part.p >= before;
    EXECUTE format('SELECT min(series_id), max(series_id) FROM admiral.%I', part.relname)
      INTO lo, hi;
    -- An empty one is listed (0, -1) once its period is over: only dropped.
    CONTINUE WHEN lo IS NULL AND part.p + interval '2 hours' > before;
    period := part.p; first_series := coalesce(lo, 0); last_series := coalesce(hi, -1);
    partition_name := part.relname;
    RETURN NEXT;
  END LOOP;
  RETURN QUERY
  SELECT admiral.block_start(d.timestamp), min(d.series_id), max(d.series_id),
         'samples_hot_default'::text
    FROM admiral.samples_hot_default d
   WHERE d.timestamp < before
   GROUP BY 1 ORDER BY 1;
END $$;

-- Drops the hot partition of `period` if compaction left it empty.
-- Emptiness is only known once no writer can be inside it: the whole hot
-- table is locked first (DROP would take that lock anyway, and taking it
-- before looking means a writer's uncommitted rows are committed and seen,
-- never dropped with the table). Writers queue behind the lock, so it is
-- waited for at most two seconds; if busy, the drop waits for a later run.
CREATE FUNCTION admiral.drop_hot_partition_if_empty(period timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part text := 'samples_hot_' || to_char(period AT TIME ZONE 'UTC', 'YYYYMMDD_HH24');
  found_one boolean;
  patience text := current_setting('lock_timeout');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('admiral partitions'));
  IF to_regclass(format('admiral.%I', part)) IS NULL THEN
    RETURN false;
  END IF;
  PERFORM set_config('lock_timeout', '2s', true);
  BEGIN
    LOCK TABLE admiral.samples_hot IN ACCESS EXCLUSIVE MODE;
  EXCEPTION WHEN lock_not_available THEN
    PERFORM set_config('lock_timeout', patience, true);
    RETURN false;
  END;
  PERFORM set_config('lock_timeout', patience, true);
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM admiral.%I)', part) INTO found_one;
  IF found_one THEN
    RETURN false;
  END IF;
  EXECUTE format('DROP TABLE admiral.%I', part);
  RETURN true;
END $$;

-- Retention: the cold partitions of days wholly older than `days` days
-- (UTC) dropped whole, hot partitions of periods that old too, and what
-- the default partitions hold of that age; series not seen for as long and
-- metrics left without series deleted. Returns partitions dropped.
CREATE FUNCTION admiral.apply_sample_retention(days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  cutoff date := (now() AT TIME ZONE 'UTC')::date - days;
  cutoff_ts timestamptz := cutoff::timestamp AT TIME ZONE 'UTC';
  part record;
  dropped integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('admiral partitions'));
  FOR part IN
    SELECT c.relname, r.relname AS parent FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class r ON r.oid = i.inhparent
      JOIN pg_namespace n ON n.oid = r.relnamespace
     WHERE n.nspname = 'admiral'
       AND ((r.relname IN ('sample_blocks', 'block_times')
             AND c.relname ~ '_[0-9]{8}$'
             AND to_date(right(c.relname, 8), 'YYYYMMDD') < cutoff)
         OR (r.relname = 'samples_hot' AND c.relname ~ '^samples_hot_[0-9]{8}_[0-9]{2}$'
             AND to_timestamp(substring(c.relname from 13), 'YYYYMMDD_HH24') AT TIME ZONE 'UTC'
                 + interval '2 hours' <= cutoff_ts))
  LOOP
    EXECUTE format('DROP TABLE admiral.%I', part.relname);
    dropped := dropped + 1;
  END LOOP;
  DELETE FROM admiral.samples_hot_default WHERE timestamp < cutoff_ts;
  DELETE FROM admiral.sample_blocks_default WHERE period_start < cutoff_ts;
  DELETE FROM admiral.block_times_default WHERE period_start < cutoff_ts;
  DELETE FROM admiral.series WHERE last_seen < cutoff;
  DELETE FROM admiral.metrics m
   WHERE NOT EXISTS (SELECT 1 FROM admiral.series s WHERE s.metric_id = m.metric_id);
  IF to_regclass('admiral.metric_samples_legacy') IS NOT NULL THEN
    DELETE FROM admiral.metric_samples_legacy WHERE timestamp < cutoff_ts;
  END IF;
  RETURN dropped;
END $$;

-- The upgrade from the plan's table: moves up to `max_rows` of its rows
-- (lowest ids first) into the catalogue and the hot tier, in the caller's
-- transaction, and returns how many it moved (0: nothing left). One call
-- per transaction: an upgrade cut short resumes where it stopped, nothing
-- lost or moved twice. Compaction then turns them into blocks.
CREATE FUNCTION admiral.move_legacy_samples(max_rows integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  lo bigint;
  moved bigint;
BEGIN
  IF to_regclass('admiral.metric_samples_legacy') IS NULL THEN
    RETURN 0;
  END IF;
  SELECT min(id) INTO lo FROM admiral.metric_samples_legacy;
  IF lo IS NULL THEN
    RETURN 0;
  END IF;
  CREATE TEMP TABLE moving ON COMMIT DROP AS
  WITH gone AS (
    DELETE FROM admiral.metric_samples_legacy
     WHERE id >= lo AND id < lo + max_rows
    RETURNING server_id, metric_name, metric_type, coalesce(labels, '{}'::jsonb) AS labels,
              value, timestamp, help_text, unit
  ) SELECT * FROM gone;
  GET DIAGNOSTICS moved = ROW_COUNT;
  PERFORM admiral.ensure_hot_partition(p)
     FROM (SELECT DISTINCT admiral.block_start(timestamp) AS p FROM moving) d;
  INSERT INTO admiral.metrics (metric_name, metric_type, help_text, unit)
  SELECT DISTINCT metric_name, metric_type, help_text, unit FROM moving ORDER BY 1, 2, 3, 4
  ON CONFLICT DO NOTHING;
  INSERT INTO admiral.series AS x (server_id, metric_id, labels, last_seen)
  SELECT v.server_id, m.metric_id, v.labels, max((v.timestamp AT TIME ZONE 'UTC')::date)
    FROM moving v
    JOIN admiral.metrics m
      ON m.metric_name = v.metric_name AND m.metric_type = v.metric_type
     AND m.help_text IS NOT DISTINCT FROM v.help_text AND m.unit IS NOT DISTINCT FROM v.unit
   GROUP BY v.server_id, m.metric_id, v.labels
   ORDER BY v.server_id, m.metric_id, md5(v.labels::text)
  ON CONFLICT (server_id, metric_id, md5(labels::text))
    DO UPDATE SET last_seen = greatest(x.last_seen, EXCLUDED.last_seen);
  INSERT INTO admiral.samples_hot (series_id, timestamp, value)
  SELECT s.series_id, v.timestamp, v.value
    FROM moving v
    JOIN admiral.metrics m
      ON m.metric_name = v.metric_name AND m.metric_type = v.metric_type
     AND m.help_text IS NOT DISTINCT FROM v.help_text AND m.unit IS NOT DISTINCT FROM v.unit
    JOIN admiral.series s
      ON s.server_id = v.server_id AND s.metric_id = m.metric_id
     AND md5(s.labels::text) = md5(v.labels::text) AND s.labels = v.labels;
  DROP TABLE moving;
  RETURN moved;
END $$;

-- Once the plan's table is empty: the view without it, and the table gone.
-- True when that is done (or was before).
CREATE FUNCTION admiral.finish_legacy_move()
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('admiral.metric_samples_legacy') IS NULL THEN
    RETURN true;
  END IF;
  IF EXISTS (SELECT 1 FROM admiral.metric_samples_legacy) THEN
    RETURN false;
  END IF;
  PERFORM admiral.define_metric_samples_view(false);
  DROP TABLE admiral.metric_samples_legacy;
  RETURN true;
END $$;

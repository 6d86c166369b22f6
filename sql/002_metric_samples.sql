-- 002: the samples: exactly the plan's columns ("Core Table:
-- admiral.metric_samples") and its three indexes, range-partitioned by
-- timestamp so that retention drops whole partitions (never a DELETE loop).
-- A partitioned table's primary key must hold the partition key, so the
-- plan's `id` key is (id, timestamp) here.
CREATE TABLE IF NOT EXISTS admiral.metric_samples (
  id          BIGSERIAL,
  server_id   UUID NOT NULL,
  metric_name TEXT NOT NULL,
  metric_type TEXT NOT NULL,
  labels      JSONB DEFAULT '{}'::jsonb,
  value       DOUBLE PRECISION NOT NULL,
  timestamp   TIMESTAMP WITH TIME ZONE NOT NULL,
  help_text   TEXT,
  unit        TEXT,
  created_at  TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id, timestamp)
) PARTITION BY RANGE (timestamp);

-- Whatever day has no partition yet lands here, so no batch ever fails for
-- want of one; ensure_sample_partition() moves such rows out.
CREATE TABLE IF NOT EXISTS admiral.metric_samples_default
  PARTITION OF admiral.metric_samples DEFAULT;

CREATE INDEX IF NOT EXISTS metric_samples_server_metric_time
  ON admiral.metric_samples (server_id, metric_name, timestamp DESC);
CREATE INDEX IF NOT EXISTS metric_samples_labels
  ON admiral.metric_samples USING GIN (labels);
CREATE INDEX IF NOT EXISTS metric_samples_metric_name
  ON admiral.metric_samples (metric_name);

-- The partition of one UTC day, metric_samples_YYYYMMDD, made if missing;
-- rows of that day already in the default partition move into it. Safe to
-- call from several digests at once.
CREATE OR REPLACE FUNCTION admiral.ensure_sample_partition(day date)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  part text := format('metric_samples_%s', to_char(day, 'YYYYMMDD'));
  lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('admiral.metric_samples partitions'));
  IF to_regclass(format('admiral.%I', part)) IS NOT NULL THEN
    RETURN part;
  END IF;
  EXECUTE format('CREATE TABLE admiral.%I (LIKE admiral.metric_samples INCLUDING DEFAULTS)',
                 part);
  EXECUTE format('WITH moved AS (DELETE FROM admiral.metric_samples_default '
                 'WHERE timestamp >= $1 AND timestamp < $2 RETURNING *) '
                 'INSERT INTO admiral.%I SELECT * FROM moved', part)
    USING lo, hi;
  EXECUTE format('ALTER TABLE admiral.metric_samples ATTACH PARTITION admiral.%I '
                 'FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  RETURN part;
END $$;

-- Drops the daily partitions wholly older than `days` days (UTC), and the
-- default partition's rows that old; returns how many partitions went.
CREATE OR REPLACE FUNCTION admiral.drop_sample_partitions_older_than(days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  cutoff date := (now() AT TIME ZONE 'UTC')::date - days;
  part record;
  dropped integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('admiral.metric_samples partitions'));
  FOR part IN
    SELECT c.relname FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class p ON p.oid = i.inhparent
      JOIN pg_namespace n ON n.oid = p.relnamespace
     WHERE n.nspname = 'admiral' AND p.relname = 'metric_samples'
       AND c.relname ~ '^metric_samples_[0-9]{8}$'
       AND to_date(substring(c.relname from 16), 'YYYYMMDD') < cutoff
  LOOP
    EXECUTE format('DROP TABLE admiral.%I', part.relname);
    dropped := dropped + 1;
  END LOOP;
  DELETE FROM admiral.metric_samples_default
   WHERE timestamp < cutoff::timestamp AT TIME ZONE 'UTC';
  RETURN dropped;
END $$;

-- 005: the loss detector, and each batch's lag. An agent names each push <server id>:<WAL epoch,
-- 16 hex digits>:<sequence>, and hands out sequences one after another
-- within an epoch; so a sequence that is still missing long after a later
-- one of the same epoch was committed was lost on its way (Valkey run
-- without persistence, a stream deleted, ...) or dropped by the agent
-- itself (its WAL caps, a 4xx). accepted_batches keeps each committed
-- batch's epoch and sequence; admiral.detect_batch_losses(), run by the
-- digest on a timer, records such gaps in admiral.batch_losses and each
-- new epoch of a server in admiral.wal_epochs.

ALTER TABLE admiral.accepted_batches
  ADD COLUMN IF NOT EXISTS epoch text,
  ADD COLUMN IF NOT EXISTS sequence bigint,
  -- when the ingest received it: accepted_at - received_at is the batch's
  -- way from the agent's push to the commit
  ADD COLUMN IF NOT EXISTS received_at timestamptz;

CREATE INDEX IF NOT EXISTS accepted_batches_sequence
  ON admiral.accepted_batches (server_id, epoch, sequence)
  WHERE sequence IS NOT NULL;

-- One row per agent WAL epoch seen: every sequence from first_sequence up
-- to checked_through is committed or recorded as lost.
CREATE TABLE IF NOT EXISTS admiral.wal_epochs (
  server_id       uuid NOT NULL,
  epoch           text NOT NULL,
  first_sequence  bigint NOT NULL,
  checked_through bigint NOT NULL,
  previous_epoch  text,        -- the server's epoch before this one, if any
  first_seen      timestamptz NOT NULL DEFAULT now(),
  checked_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (server_id, epoch)
);

-- Each gap found: sequences first_sequence..last_sequence of an epoch never
-- committed while a later one was, for longer than the detector waits.
CREATE TABLE IF NOT EXISTS admiral.batch_losses (
  server_id      uuid NOT NULL,
  epoch          text NOT NULL,
  first_sequence bigint NOT NULL,
  last_sequence  bigint NOT NULL,
  batches        bigint NOT NULL,
  detected_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (server_id, epoch, first_sequence)
);

-- How far the detector has read accepted_batches (one row).
CREATE TABLE IF NOT EXISTS admiral.loss_detector_cursor (
  only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  read_until timestamptz NOT NULL
);
INSERT INTO admiral.loss_detector_cursor (read_until) VALUES ('-infinity')
  ON CONFLICT DO NOTHING;

-- One pass: new epochs from batches committed since the cursor and at least
-- `settle` ago, then every epoch's run of committed sequences, recording a
-- gap as lost once the sequence after it has been committed for `settle`.
-- Returns what it found now ('loss' or 'epoch' rows). Several digests may
-- call it: one pass at a time (the others return nothing).
CREATE OR REPLACE FUNCTION admiral.detect_batch_losses(settle interval)
RETURNS TABLE (kind text, server_id uuid, epoch text, first_sequence bigint,
               last_sequence bigint, previous_epoch text)
LANGUAGE plpgsql AS $$
DECLARE
  settled timestamptz := now() - settle;
  since   timestamptz;
  e       record;
  b       record;
  upto    bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('admiral.detect_batch_losses')) THEN
    RETURN;
  END IF;
  SELECT c.read_until INTO since FROM admiral.loss_detector_cursor c;
  -- Epochs seen for the first time, each from its lowest settled sequence.
  FOR e IN
    SELECT a.server_id AS srv, a.epoch AS ep, min(a.sequence) AS first_seq
      FROM admiral.accepted_batches a
     WHERE a.sequence IS NOT NULL AND a.accepted_at > since AND a.accepted_at <= settled
       AND NOT EXISTS (SELECT 1 FROM admiral.wal_epochs w
                        WHERE w.server_id = a.server_id AND w.epoch = a.epoch)
     GROUP BY a.server_id, a.epoch
     ORDER BY min(a.accepted_at)
  LOOP
    INSERT INTO admiral.wal_epochs AS w
           (server_id, epoch, first_sequence, checked_through, previous_epoch)
    SELECT e.srv, e.ep, e.first_seq, e.first_seq - 1,
           (SELECT p.epoch FROM admiral.wal_epochs p WHERE p.server_id = e.srv
             ORDER BY p.first_seen DESC LIMIT 1);
    RETURN QUERY
      SELECT 'epoch'::text, w.server_id, w.epoch, w.first_sequence, w.first_sequence,
             w.previous_epoch
        FROM admiral.wal_epochs w WHERE w.server_id = e.srv AND w.epoch = e.ep;
  END LOOP;
  UPDATE admiral.loss_detector_cursor SET read_until = greatest(read_until, settled);
  -- Walk each epoch past what it has committed since the last pass.
  FOR e IN
    SELECT w.server_id AS srv, w.epoch AS ep, w.checked_through AS done
      FROM admiral.wal_epochs w
     WHERE EXISTS (SELECT 1 FROM admiral.accepted_batches a
                    WHERE a.server_id = w.server_id AND a.epoch = w.epoch
                      AND a.sequence > w.checked_through)
  LOOP
    upto := e.done;
    FOR b IN
      SELECT a.sequence AS seq, a.accepted_at AS at
        FROM admiral.accepted_batches a
       WHERE a.server_id = e.srv AND a.epoch = e.ep AND a.sequence > e.done
       ORDER BY a.sequence
    LOOP
      IF b.seq = upto + 1 THEN
        upto := b.seq;
      ELSIF b.at <= settled THEN
        INSERT INTO admiral.batch_losses (server_id, epoch, first_sequence, last_sequence, batches)
        VALUES (e.srv, e.ep, upto + 1, b.seq - 1, b.seq - 1 - upto)
        ON CONFLICT DO NOTHING;
        RETURN QUERY SELECT 'loss'::text, e.srv, e.ep, upto + 1, b.seq - 1, NULL::text;
        upto := b.seq;
      ELSE
        EXIT; -- a gap not settled yet: the sequences may still come
      END IF;
    END LOOP;
    UPDATE admiral.wal_epochs w SET checked_through = upto, checked_at = now()
     WHERE w.server_id = e.srv AND w.epoch = e.ep AND upto > e.done;
  END LOOP;
END;
$$;

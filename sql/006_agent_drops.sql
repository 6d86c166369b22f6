-- 006: the agent's own drops next to each batch. Every push carries the
-- agent's X-Agent-Dropped (through=<highest sequence of the epoch its WAL
-- caps dropped>,retention=..,size=..,torn=..,corrupt=..,refused=..), so a
-- gap in an epoch's sequences can be told apart: the part up to `through`
-- the agent dropped itself (its retention or size cap was reached while the
-- ingest was out of reach), the rest was lost after the agent let it go.
-- A new epoch is reported with the agent's figures from both sides.

ALTER TABLE admiral.accepted_batches
  ADD COLUMN IF NOT EXISTS agent_drops text,             -- X-Agent-Dropped as stored
  ADD COLUMN IF NOT EXISTS agent_dropped_through bigint; -- its `through`

ALTER TABLE admiral.wal_epochs
  ADD COLUMN IF NOT EXISTS agent_dropped_through bigint NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS first_agent_drops text, -- of the epoch's first batch
  ADD COLUMN IF NOT EXISTS last_agent_drops text;  -- of its latest batch checked

-- lost: after the agent let it go (what "nothing acknowledged is lost"
-- forbids); dropped_by_agent: the agent's caps dropped it before a push.
ALTER TABLE admiral.batch_losses
  ADD COLUMN IF NOT EXISTS cause text NOT NULL DEFAULT 'lost'
    CHECK (cause IN ('lost', 'dropped_by_agent'));

-- As in 005, and: each gap split into the agent's part and the lost part;
-- rows of kind 'loss', 'dropped' (by the agent) or 'epoch', each with the
-- agent's drop figures (the newest of the epoch; for 'epoch' those of its
-- first batch, and the previous epoch's last in previous_agent_drops).
DROP FUNCTION IF EXISTS admiral.detect_batch_losses(interval);
CREATE FUNCTION admiral.detect_batch_losses(settle interval)
RETURNS TABLE (kind text, server_id uuid, epoch text, first_sequence bigint,
               last_sequence bigint, previous_epoch text, agent_drops text,
               previous_agent_drops text)
LANGUAGE plpgsql AS $$
DECLARE
  settled timestamptz := now() - settle;
  since   timestamptz;
  e       record;
  b       record;
  upto    bigint;
  through bigint;
  drops   text;
  cut     bigint;
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
           (server_id, epoch, first_sequence, checked_through, previous_epoch,
            first_agent_drops, last_agent_drops)
    SELECT e.srv, e.ep, e.first_seq, e.first_seq - 1, p.epoch, f.agent_drops,
           f.agent_drops
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (SELECT q.epoch FROM admiral.wal_epochs q
                          WHERE q.server_id = e.srv
                          ORDER BY q.first_seen DESC LIMIT 1) AS p ON true
      LEFT JOIN LATERAL (SELECT a.agent_drops FROM admiral.accepted_batches a
                          WHERE a.server_id = e.srv AND a.epoch = e.ep
                            AND a.sequence = e.first_seq LIMIT 1) AS f ON true;
    RETURN QUERY
      SELECT 'epoch'::text, w.server_id, w.epoch, w.first_sequence, w.first_sequence,
             w.previous_epoch, w.first_agent_drops,
             coalesce((SELECT a.agent_drops FROM admiral.accepted_batches a
                        WHERE a.server_id = w.server_id AND a.epoch = w.previous_epoch
                          AND a.sequence IS NOT NULL
                        ORDER BY a.sequence DESC LIMIT 1),
                      (SELECT p.last_agent_drops FROM admiral.wal_epochs p
                        WHERE p.server_id = w.server_id AND p.epoch = w.previous_epoch))
        FROM admiral.wal_epochs w WHERE w.server_id = e.srv AND w.epoch = e.ep;
  END LOOP;
  UPDATE admiral.loss_detector_cursor SET read_until = greatest(read_until, settled);
  -- Walk each epoch past what it has committed since the last pass.
  FOR e IN
    SELECT w.server_id AS srv, w.epoch AS ep, w.checked_through AS done,
           w.agent_dropped_through AS through_before, w.last_agent_drops AS drops_before
      FROM admiral.wal_epochs w
     WHERE EXISTS (SELECT 1 FROM admiral.accepted_batches a
                    WHERE a.server_id = w.server_id AND a.epoch = w.epoch
                      AND a.sequence > w.checked_through)
  LOOP
    -- What the agent says it dropped, as of its newest batches: drops go
    -- oldest first, so a gap's part up to `through` is the agent's own.
    SELECT greatest(e.through_before, coalesce(max(a.agent_dropped_through), 0)),
           coalesce((array_agg(a.agent_drops ORDER BY a.sequence DESC)
                       FILTER (WHERE a.agent_drops IS NOT NULL))[1], e.drops_before)
      INTO through, drops
      FROM admiral.accepted_batches a
     WHERE a.server_id = e.srv AND a.epoch = e.ep AND a.sequence > e.done;
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
        IF through > upto THEN
          cut := least(through, b.seq - 1);
          INSERT INTO admiral.batch_losses
                 (server_id, epoch, first_sequence, last_sequence, batches, cause)
          VALUES (e.srv, e.ep, upto + 1, cut, cut - upto, 'dropped_by_agent')
          ON CONFLICT DO NOTHING;
          RETURN QUERY SELECT 'dropped'::text, e.srv, e.ep, upto + 1, cut, NULL::text,
                              drops, NULL::text;
          upto := cut;
        END IF;
        IF upto < b.seq - 1 THEN
          INSERT INTO admiral.batch_losses
                 (server_id, epoch, first_sequence, last_sequence, batches, cause)
          VALUES (e.srv, e.ep, upto + 1, b.seq - 1, b.seq - 1 - upto, 'lost')
          ON CONFLICT DO NOTHING;
          RETURN QUERY SELECT 'loss'::text, e.srv, e.ep, upto + 1, b.seq - 1, NULL::text,
                              drops, NULL::text;
        END IF;
        upto := b.seq;
      ELSE
        EXIT; -- a gap not settled yet: the sequences may still come
      END IF;
    END LOOP;
    UPDATE admiral.wal_epochs w
       SET checked_through = upto, checked_at = now(), agent_dropped_through = through,
           last_agent_drops = drops
     WHERE w.server_id = e.srv AND w.epoch = e.ep;
  END LOOP;
END;
$$;

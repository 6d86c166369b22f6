-- 004: the batch ids the digest has committed, in the same transaction as
-- their samples: a re-delivered stream entry whose batch id is here is
-- acknowledged and skipped, so every sample lands exactly once. Pruned by
-- age (accepted_at), so it stays small.
CREATE TABLE IF NOT EXISTS admiral.accepted_batches (
  batch_id    text PRIMARY KEY,
  server_id   uuid NOT NULL,
  accepted_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS accepted_batches_accepted_at
  ON admiral.accepted_batches (accepted_at);

-- 003: the servers that push, first and last seen (the digest upserts
-- last_seen with every batch).
CREATE TABLE IF NOT EXISTS admiral.servers (
  id         uuid PRIMARY KEY,
  hostname   text,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen  timestamptz NOT NULL DEFAULT now()
);

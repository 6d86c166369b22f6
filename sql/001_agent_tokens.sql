-- 001: the agent tokens ingest checks pushes against (auth.mode: token with
-- auth.postgres_dsn). Tokens are never stored: only their SHA-256, as 64
-- lowercase hex digits (what `nodepulse` computes from a Bearer token).
CREATE SCHEMA IF NOT EXISTS admiral;

CREATE TABLE IF NOT EXISTS admiral.agent_tokens (
  token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  server_id  uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz -- set: the token no longer works (after ingest's cache_ttl)
);

CREATE INDEX IF NOT EXISTS agent_tokens_server_id ON admiral.agent_tokens (server_id);

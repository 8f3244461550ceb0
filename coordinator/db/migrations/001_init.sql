-- 001_init: the coordinator's tables. Applied once, in one transaction, by coordinator/db/migrate.ts.
-- Unqualified names: objects land in the first schema of search_path (tests use a private schema each).

-- Parties the coordinator knows, and how each was admitted. `role` is null only for a party admitted by a join
-- token that has not registered yet.
CREATE TABLE parties (
  peer_id     text PRIMARY KEY,
  role        text CHECK (role IN ('persistent', 'delegate', 'external')),
  version     text,
  addresses   jsonb NOT NULL DEFAULT '[]',
  status      text NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  last_seen   timestamptz,
  admitted_by text NOT NULL DEFAULT 'config' CHECK (admitted_by IN ('config', 'token')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Accounts (threshold keys). public_key and address are set once keygen succeeds.
CREATE TABLE accounts (
  account_id text PRIMARY KEY,
  user_id    text NOT NULL,
  key_id     text UNIQUE NOT NULL,
  public_key text,
  address    text,
  threshold  int NOT NULL,
  status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'failed')),
  session_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- GET /accounts lists a user's accounts newest first.
CREATE INDEX accounts_user_created ON accounts (user_id, created_at DESC);

CREATE TABLE account_parties (
  account_id text NOT NULL REFERENCES accounts ON DELETE CASCADE,
  peer_id    text NOT NULL,
  idx        int NOT NULL,
  role       text NOT NULL CHECK (role IN ('persistent', 'delegate', 'external')),
  PRIMARY KEY (account_id, idx)
);

-- Keygen and signing sessions. `record` is the signed session record exactly as announced to the parties.
CREATE TABLE sessions (
  session_id   text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('keygen', 'sign')),
  account_id   text NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed')),
  parties      jsonb NOT NULL,
  message_hash text,
  attempt      int NOT NULL DEFAULT 1,
  retry_of     text,
  record       bytea NOT NULL,
  result       jsonb,
  error        jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
-- Health and metrics count sessions by kind and outcome.
CREATE INDEX sessions_kind_status ON sessions (kind, status);

-- The audit trail of every session. clock_timestamp(), not now(): events of one transaction keep their order in time.
CREATE TABLE session_events (
  id         bigserial PRIMARY KEY,
  session_id text NOT NULL,
  type       text NOT NULL,
  party_id   text,
  detail     jsonb NOT NULL DEFAULT '{}',
  at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX session_events_session ON session_events (session_id, id);

-- Append-only guard: an audit trail that can be rewritten proves nothing. Row triggers refuse UPDATE and DELETE;
-- a statement trigger refuses TRUNCATE, which row triggers do not see. (Dropping the table or the trigger still
-- works for the table owner: this guards against mistakes and application bugs, not against the owner.)
CREATE FUNCTION session_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'session_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER session_events_no_change
  BEFORE UPDATE OR DELETE ON session_events
  FOR EACH ROW EXECUTE FUNCTION session_events_append_only();
CREATE TRIGGER session_events_no_truncate
  BEFORE TRUNCATE ON session_events
  FOR EACH STATEMENT EXECUTE FUNCTION session_events_append_only();

-- API-key use, by a hash of the key (never the key).
CREATE TABLE api_key_use (
  key_hash  text PRIMARY KEY,
  uses      bigint NOT NULL DEFAULT 0,
  last_used timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key claims. status null = the first request is still in progress.
CREATE TABLE idempotency_keys (
  scope        text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status       int,
  body         jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

-- One-time join tokens, stored as hashes.
CREATE TABLE join_tokens (
  token_hash text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_by    text,
  used_at    timestamptz
);

-- 005_reshare: key refresh and reshare. A reshare session moves an account to new shares under a new key id
-- (same public key and address); `key_id`, `threshold` and the account's parties then name the new key, and
-- `rekeyed_at` says when. The account's `session_id` stays its keygen's.
ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_kind_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_kind_check CHECK (kind IN ('keygen', 'sign', 'reshare'));
ALTER TABLE accounts ADD COLUMN rekeyed_at timestamptz;

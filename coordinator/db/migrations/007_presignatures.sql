-- 007_presignatures: presignature pools. A presign session runs the message-independent signing rounds ahead of
-- time; each of its signers keeps its part of the presignature, and the coordinator keeps one row per
-- presignature: its key, its signer set (party ids with their key-share indices) and its nonce point R. A
-- signing that uses one deletes the row; a refresh or reshare of the account deletes all of the account's rows
-- (the parties delete their parts at the commit). A row is only ever used with its own key and signer set.
ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_kind_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_kind_check CHECK (kind IN ('keygen', 'sign', 'reshare', 'presign'));
CREATE TABLE presignatures (
  -- the presign session's id (64 hex): the handle the signing's record names
  presignature_id text PRIMARY KEY,
  account_id      text NOT NULL REFERENCES accounts (account_id),
  key_id          text NOT NULL,
  -- [{"partyId": …, "index": …}] in index order
  signers         jsonb NOT NULL,
  -- 0x + 66 hex: the compressed nonce point R every signer reported
  r               text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX presignatures_account ON presignatures (account_id, key_id, created_at);

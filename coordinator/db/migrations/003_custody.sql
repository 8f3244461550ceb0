-- 002_custody: hybrid custody and required co-signers.
-- `custody` 'hybrid': one party of the key is a delegate whose share was sealed and handed to the caller (the
-- user share); the coordinator records only that it exists, never the share. `require_user_share`: every
-- signing must bring it. `required_parties`: peer ids that must take part in every signing.
ALTER TABLE accounts
  ADD COLUMN custody text NOT NULL DEFAULT 'server' CHECK (custody IN ('server', 'hybrid')),
  ADD COLUMN require_user_share boolean NOT NULL DEFAULT false,
  ADD COLUMN required_parties jsonb NOT NULL DEFAULT '[]';

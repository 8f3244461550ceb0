-- 004_pool-admission: a party may also be admitted by presenting a pool secret (MPC_POOL_SECRET for the
-- persistent role, MPC_DELEGATE_POOL_SECRET for delegates). Only the fact is stored (admitted_by = 'pool' with
-- the role the secret fixed), never the secret: rotating the secret refuses new parties holding the old one
-- while the parties it already admitted stay admitted until revoked.
ALTER TABLE parties DROP CONSTRAINT IF EXISTS parties_admitted_by_check;
ALTER TABLE parties
  ADD CONSTRAINT parties_admitted_by_check CHECK (admitted_by IN ('config', 'token', 'pool'));

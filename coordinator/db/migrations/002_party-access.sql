-- 002_party-access: the operator, not the joining peer, chooses a party's role, and can revoke a party.
-- A join token carries the role it admits; a party admitted by token must register with that role
-- (admitted_role; null: admitted by configuration, which registers with the role it is started with).
-- A revoked party (revoked_at set) is refused at connection and never admitted again by a token or the
-- configuration.
ALTER TABLE join_tokens
  ADD COLUMN role text NOT NULL DEFAULT 'persistent' CHECK (role IN ('persistent', 'delegate', 'external'));

ALTER TABLE parties
  ADD COLUMN admitted_role text CHECK (admitted_role IN ('persistent', 'delegate', 'external')),
  ADD COLUMN revoked_at timestamptz;

-- Parties admitted by token before tokens carried a role keep the role they registered with.
UPDATE parties SET admitted_role = role WHERE admitted_by = 'token' AND role IS NOT NULL;

-- 006_chain-code: BIP32 derivation. A key made since version 0.2 has a chain code, made jointly by its parties at
-- keygen and reported in their results (hex, 64 characters); with the public key it forms the account's xpub. A
-- refresh or reshare keeps it. NULL for keys made before: such accounts derive no child keys.
ALTER TABLE accounts ADD COLUMN chain_code text;
